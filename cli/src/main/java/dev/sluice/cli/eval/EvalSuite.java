package dev.sluice.cli.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sluice.model.Message;
import dev.sluice.model.ResponseFormat;
import dev.sluice.model.Role;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * An eval suite: cases of input messages, each with a category and a grader. Read from YAML
 * ({@code name}, optional {@code defaults}, {@code cases}) or JSONL (one case per line, the suite
 * named after the file), strictly: unknown fields, missing inputs, unknown graders and bad
 * patterns or schemas are all reported at once, each with its place in the file.
 *
 * <pre>
 * name: support-triage
 * defaults: {maxOutputTokens: 256, temperature: 0}
 * cases:
 *   - id: refund-category
 *     category: classification
 *     input: "Which team handles a double charge? One word."   # or messages: [{role, content}]
 *     grader: {type: exact, expected: billing, ignoreCase: true}
 * </pre>
 */
public record EvalSuite(String name, List<Case> cases) {
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> SUITE_FIELDS = Set.of("name", "description", "defaults", "cases");
    private static final Set<String> DEFAULT_FIELDS = Set.of("maxOutputTokens", "temperature", "category");
    private static final Set<String> CASE_FIELDS = Set.of(
            "id",
            "category",
            "input",
            "system",
            "messages",
            "maxOutputTokens",
            "temperature",
            "responseFormat",
            "grader");
    static final int DEFAULT_MAX_OUTPUT_TOKENS = 512;

    public EvalSuite {
        cases = List.copyOf(cases);
    }

    /** One case: what is asked, in what category, and how its answer is graded. */
    public record Case(
            String id,
            String category,
            List<Message> messages,
            int maxOutputTokens,
            double temperature,
            ResponseFormat responseFormat,
            Grader grader) {
        public Case {
            messages = List.copyOf(messages);
        }

        /** The text of the last user message: what a judge is told the question was. */
        String question() {
            for (int i = messages.size() - 1; i >= 0; i--) {
                if (messages.get(i).role() == Role.USER) {
                    return messages.get(i).content();
                }
            }
            return messages.getLast().content();
        }
    }

    /** A suite file that does not describe a valid suite; the message lists every problem. */
    public static final class Invalid extends Exception {
        Invalid(String source, List<String> problems) {
            super(source + ": " + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + ":\n  - "
                    + String.join("\n  - ", problems));
        }
    }

    public static EvalSuite read(Path file) throws IOException, Invalid {
        String text = Files.readString(file);
        String fileName = file.getFileName().toString();
        boolean jsonl = fileName.endsWith(".jsonl");
        String stem = fileName.replaceFirst("\\.(ya?ml|jsonl|json)$", "");
        return jsonl ? fromJsonl(text, stem, file.toString()) : fromYaml(text, stem, file.toString());
    }

    public static EvalSuite fromYaml(String text, String defaultName, String source) throws Invalid {
        List<String> problems = new ArrayList<>();
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            throw new Invalid(source, List.of("not YAML: " + e.getOriginalMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new Invalid(source, List.of("the file must be a mapping with name and cases"));
        }
        unknown(root, SUITE_FIELDS, "", problems);
        String name = root.hasNonNull("name") ? root.get("name").asText() : defaultName;
        if (!NAME.matcher(name).matches()) {
            problems.add("name: '" + name + "' must be 1 to 100 letters, digits, '.', '_' or '-'");
        }
        JsonNode defaults = root.path("defaults");
        if (!defaults.isMissingNode() && !defaults.isObject()) {
            problems.add("defaults: must be a mapping");
        } else if (defaults.isObject()) {
            unknown(defaults, DEFAULT_FIELDS, "defaults.", problems);
        }
        JsonNode cases = root.path("cases");
        List<Case> out = new ArrayList<>();
        if (!cases.isArray() || cases.isEmpty()) {
            problems.add("cases: must be a non-empty list");
        } else {
            for (int i = 0; i < cases.size(); i++) {
                Case c = parseCase(cases.get(i), defaults, "cases[" + i + "].", i, problems);
                if (c != null) {
                    out.add(c);
                }
            }
        }
        return checked(name, out, problems, source);
    }

    static EvalSuite fromJsonl(String text, String name, String source) throws Invalid {
        List<String> problems = new ArrayList<>();
        if (!NAME.matcher(name).matches()) {
            problems.add("the file's name '" + name + "' must be 1 to 100 letters, digits, '.', '_' or '-'");
        }
        List<Case> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        int index = 0;
        for (int n = 0; n < lines.length; n++) {
            if (lines[n].isBlank()) {
                continue;
            }
            String at = "line " + (n + 1) + ": ";
            try {
                Case c = parseCase(JSON.readTree(lines[n]), JSON.missingNode(), at, index++, problems);
                if (c != null) {
                    out.add(c);
                }
            } catch (JsonProcessingException e) {
                problems.add(at + "not JSON: " + e.getOriginalMessage());
            }
        }
        if (out.isEmpty() && problems.isEmpty()) {
            problems.add("no cases: one JSON object per line");
        }
        return checked(name, out, problems, source);
    }

    private static EvalSuite checked(String name, List<Case> cases, List<String> problems, String source)
            throws Invalid {
        Set<String> ids = new HashSet<>();
        for (Case c : cases) {
            if (!ids.add(c.id())) {
                problems.add("case id '" + c.id() + "' is used twice: ids name a case across runs");
            }
        }
        if (!problems.isEmpty()) {
            throw new Invalid(source, problems);
        }
        return new EvalSuite(name, cases);
    }

    private static Case parseCase(JsonNode node, JsonNode defaults, String at, int index, List<String> problems) {
        if (node == null || !node.isObject()) {
            problems.add(whole(at) + "must be a mapping");
            return null;
        }
        int before = problems.size();
        unknown(node, CASE_FIELDS, at, problems);
        String id = node.hasNonNull("id") ? node.get("id").asText() : "case-" + (index + 1);
        if (!NAME.matcher(id).matches()) {
            problems.add(at + "id: '" + id + "' must be 1 to 100 letters, digits, '.', '_' or '-'");
        }
        String category = text(node, "category", text(defaults, "category", "default"));
        if (!NAME.matcher(category).matches()) {
            // A category names a routing-policy entry and a metadata value: one word.
            problems.add(at + "category: '" + category + "' must be 1 to 100 letters, digits, '.', '_' or '-'");
        }
        List<Message> messages = messages(node, at, problems);
        int maxOutputTokens = node.has("maxOutputTokens")
                ? node.get("maxOutputTokens").asInt(-1)
                : defaults.path("maxOutputTokens").asInt(DEFAULT_MAX_OUTPUT_TOKENS);
        if (maxOutputTokens < 1) {
            problems.add(at + "maxOutputTokens: must be a positive whole number");
        }
        double temperature = node.has("temperature")
                ? node.get("temperature").asDouble(-1)
                : defaults.path("temperature").asDouble(0);
        if (temperature < 0 || temperature > 2) {
            problems.add(at + "temperature: must be from 0 to 2");
        }
        ResponseFormat format = responseFormat(node.path("responseFormat"), at, problems);
        Grader grader = Grader.parse(node.path("grader"), at + "grader.", problems);
        if (problems.size() > before) {
            return null;
        }
        return new Case(id, category, messages, maxOutputTokens, temperature, format, grader);
    }

    private static List<Message> messages(JsonNode node, String at, List<String> problems) {
        List<Message> messages = new ArrayList<>();
        if (node.hasNonNull("system")) {
            messages.add(Message.system(node.get("system").asText()));
        }
        boolean input = node.hasNonNull("input");
        JsonNode list = node.path("messages");
        if (input == list.isArray()) {
            problems.add(whole(at) + "give the question as input (text) or messages (a list), one of the two");
            return messages;
        }
        if (input) {
            messages.add(Message.user(node.get("input").asText()));
            return messages;
        }
        for (int i = 0; i < list.size(); i++) {
            JsonNode m = list.get(i);
            String role = m.path("role").asText("");
            try {
                messages.add(new Message(
                        Role.valueOf(role.toUpperCase(Locale.ROOT)),
                        m.path("content").asText(),
                        false));
            } catch (IllegalArgumentException e) {
                problems.add(at + "messages[" + i + "].role: '" + role + "' is not system, user or assistant");
            }
        }
        if (messages.stream().noneMatch(m -> m.role() == Role.USER)) {
            problems.add(at + "messages: needs a user message");
        }
        return messages;
    }

    private static ResponseFormat responseFormat(JsonNode node, String at, List<String> problems) {
        if (node.isMissingNode() || node.isNull() || node.asText().equals("text")) {
            return null;
        }
        if (node.isTextual() && node.asText().equals("json")) {
            return new ResponseFormat(ResponseFormat.Type.JSON, null, null);
        }
        if (node.isObject() && node.has("jsonSchema")) {
            return new ResponseFormat(
                    ResponseFormat.Type.JSON_SCHEMA,
                    node.get("jsonSchema").toString(),
                    node.path("name").asText("answer"));
        }
        problems.add(at + "responseFormat: text, json, or {jsonSchema: {...}, name: ...}");
        return null;
    }

    static void unknown(JsonNode node, Set<String> known, String at, List<String> problems) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!known.contains(field)) {
                problems.add(at + field + ": unknown field (known: "
                        + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }

    /** The place {@code at} (a field path ending in '.', or "line N: ") as a prefix for a problem of the whole. */
    static String whole(String at) {
        return at.endsWith(".") ? at.substring(0, at.length() - 1) + ": " : at;
    }

    static String text(JsonNode node, String field, String fallback) {
        JsonNode v = node.path(field);
        return v.isMissingNode() || v.isNull() ? fallback : v.asText();
    }

    static Pattern pattern(String regex, String at, List<String> problems) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            problems.add(at + "pattern: not a regular expression: " + e.getDescription());
            return null;
        }
    }
}
