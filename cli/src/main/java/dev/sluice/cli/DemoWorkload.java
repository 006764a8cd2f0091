package dev.sluice.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The jobs the demo submits: the kind of background LLM work Sluice is for (summaries,
 * classification, extraction to a JSON schema, rewriting), spread over tiers and priorities.
 * Deterministic, so two runs submit the same work.
 */
final class DemoWorkload {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] TICKETS = {
        "My invoice shows two charges for the same order, please refund one.",
        "The export to CSV times out for reports with more than 10,000 rows.",
        "How do I rotate the API key for our staging environment?",
        "The mobile app logs me out every few minutes since the last update.",
        "We need an audit trail of every permission change for our compliance review.",
        "Search results ignore the date filter when the query contains quotes.",
    };
    private static final String[] TIERS = {"SMALL", "MEDIUM", "LARGE", null};
    private static final String[] PRIORITIES = {"NORMAL", "HIGH", "NORMAL", "LOW"};

    private DemoWorkload() {
    }

    /** Job bodies for POST /v1/jobs. */
    static List<String> jobs(String tenantId, int count) {
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(job(tenantId, i).toString());
        }
        return out;
    }

    static ObjectNode job(String tenantId, int i) {
        String ticket = TICKETS[i % TICKETS.length];
        ObjectNode body = JSON.createObjectNode();
        body.put("tenantId", tenantId);
        ArrayNode messages = body.putArray("messages");
        switch (i % 4) {
            case 0 -> {
                messages.addObject().put("role", "system").put("content", "You summarise support tickets in one line.");
                messages.addObject().put("role", "user").put("content", "Ticket #" + (1000 + i) + ": " + ticket);
            }
            case 1 -> {
                messages.addObject().put("role", "system")
                        .put("content", "Classify the ticket as billing, bug, how-to or compliance.");
                messages.addObject().put("role", "user").put("content", ticket);
                body.putObject("responseFormat").put("type", "JSON_SCHEMA").put("name", "classification")
                        .putObject("schema").put("type", "object")
                        .<ObjectNode>set("properties", JSON.createObjectNode().set("category",
                                JSON.createObjectNode().put("type", "string")))
                        .putArray("required").add("category");
            }
            case 2 -> {
                messages.addObject().put("role", "user").put("content",
                        "Extract the product area and urgency from: " + ticket);
                body.putObject("responseFormat").put("type", "JSON");
            }
            default -> messages.addObject().put("role", "user").put("content",
                    "Rewrite this for a status page, politely: " + ticket);
        }
        String tier = TIERS[i % TIERS.length];
        if (tier != null) {
            body.put("tier", tier);
        }
        body.put("priority", PRIORITIES[(i / 4) % PRIORITIES.length]);
        body.put("maxOutputTokens", 64 + (i % 4) * 64);
        body.put("temperature", i % 3 == 0 ? 0.0 : 0.7);
        body.putObject("metadata").put("source", "sluice-demo").put("ticket", Integer.toString(1000 + i));
        return body;
    }
}
