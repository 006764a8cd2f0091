package dev.sluice.cli.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.model.Message;
import dev.sluice.model.ResponseFormat;
import dev.sluice.worker.guardrails.JsonOutput;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a case's answer is judged. All but {@link Judge} decide from the answer alone; a judge is a
 * model asked through Sluice itself whether the answer meets the case's criteria.
 */
public sealed interface Grader {

    /** Whether the answer passed, and in a few words why not (or what was seen). */
    record Verdict(boolean pass, String detail) {
        static Verdict of(boolean pass, String detail) {
            return new Verdict(pass, detail);
        }
    }

    /** The grader's type as written in a suite: exact, contains, regex, json, json-schema, numeric, judge. */
    String type();

    /** The answer stripped of surrounding space equals {@code expected} (in any case when ignoreCase). */
    record Exact(String expected, boolean ignoreCase) implements Grader {
        @Override
        public String type() {
            return "exact";
        }

        Verdict grade(String output) {
            String got = output.strip();
            boolean pass = ignoreCase ? got.equalsIgnoreCase(expected.strip()) : got.equals(expected.strip());
            return Verdict.of(pass, pass ? "equal" : "expected '" + expected + "', got '" + brief(got) + "'");
        }
    }

    /** Every one of {@code expected} appears in the answer. */
    record Contains(List<String> expected, boolean ignoreCase) implements Grader {
        @Override
        public String type() {
            return "contains";
        }

        Verdict grade(String output) {
            String got = ignoreCase ? output.toLowerCase(Locale.ROOT) : output;
            List<String> missing = expected.stream()
                    .filter(e -> !got.contains(ignoreCase ? e.toLowerCase(Locale.ROOT) : e))
                    .toList();
            return Verdict.of(missing.isEmpty(), missing.isEmpty() ? "contains all" : "missing " + missing);
        }
    }

    /** The pattern is found somewhere in the answer (anchor it with ^ and $ to match the whole). */
    record Regex(Pattern pattern) implements Grader {
        @Override
        public String type() {
            return "regex";
        }

        Verdict grade(String output) {
            boolean pass = pattern.matcher(output).find();
            return Verdict.of(pass, pass ? "matches" : "no match for /" + pattern + "/ in '" + brief(output) + "'");
        }
    }

    /** The answer is JSON (a fence around it tolerated), and equal to {@code expected} when given. */
    record Json(JsonNode expected) implements Grader {
        @Override
        public String type() {
            return "json";
        }

        Verdict grade(String output) {
            String normal = JsonOutput.normalised(output);
            if (normal == null) {
                return Verdict.of(false, "not JSON: '" + brief(output) + "'");
            }
            if (expected == null) {
                return Verdict.of(true, "valid JSON");
            }
            try {
                boolean equal = MAPPER.readTree(normal).equals(expected);
                return Verdict.of(equal, equal ? "equal JSON" : "expected " + expected + ", got " + brief(normal));
            } catch (JsonProcessingException e) {
                return Verdict.of(false, "not JSON");
            }
        }
    }

    /** The answer is JSON valid against the schema (draft from its $schema, else 2020-12). */
    record JsonSchema(String schema) implements Grader {
        @Override
        public String type() {
            return "json-schema";
        }

        Verdict grade(String output) {
            String problem =
                    JsonOutput.problem(new ResponseFormat(ResponseFormat.Type.JSON_SCHEMA, schema, "eval"), output);
            return Verdict.of(problem == null, problem == null ? "valid against the schema" : problem);
        }
    }

    /** The first number in the answer is within {@code tolerance} of {@code expected}. */
    record Numeric(BigDecimal expected, BigDecimal tolerance) implements Grader {
        private static final Pattern NUMBER = Pattern.compile("-?\\d[\\d,]*(?:\\.\\d+)?|-?\\.\\d+");

        @Override
        public String type() {
            return "numeric";
        }

        Verdict grade(String output) {
            Matcher m = NUMBER.matcher(output);
            if (!m.find()) {
                return Verdict.of(false, "no number in '" + brief(output) + "'");
            }
            BigDecimal got = new BigDecimal(m.group().replace(",", ""));
            boolean pass = got.subtract(expected).abs().compareTo(tolerance) <= 0;
            return Verdict.of(
                    pass,
                    pass
                            ? "within tolerance"
                            : "expected " + expected.toPlainString() + " ± " + tolerance.toPlainString() + ", got "
                                    + got.toPlainString());
        }
    }

    /**
     * A model, asked through Sluice, judges the answer against {@code criteria}. It replies
     * {@code {"pass": bool, "score": 0..1, "reason": "..."}}; with {@code minScore} the score
     * decides, else {@code pass}.
     */
    record Judge(String model, String criteria, Double minScore) implements Grader {
        static final String SYSTEM = "You are an impartial grader. Decide whether the answer meets the criteria"
                + " for the question. Reply with one JSON object and nothing else: {\"pass\": true or false,"
                + " \"score\": a number from 0 to 1, \"reason\": one sentence}.";

        @Override
        public String type() {
            return "judge";
        }

        /** The judge's messages: the question, the criteria and the answer, each in its own tags. */
        List<Message> prompt(String question, String answer) {
            return List.of(
                    Message.system(SYSTEM),
                    Message.user("<question>\n" + question + "\n</question>\n" + "<criteria>\n" + criteria
                            + "\n</criteria>\n<answer>\n" + answer + "\n</answer>"));
        }

        /** The verdict in the judge's reply; a reply that is no verdict fails the case and says so. */
        Verdict verdict(String reply) {
            String normal = JsonOutput.normalised(reply);
            JsonNode v;
            try {
                v = normal == null ? null : MAPPER.readTree(normal);
            } catch (JsonProcessingException e) {
                v = null;
            }
            if (v == null
                    || !v.isObject()
                    || !(v.path("pass").isBoolean() || v.path("score").isNumber())) {
                return Verdict.of(false, "judge error: the reply is no verdict: '" + brief(reply) + "'");
            }
            String reason = v.path("reason").asText("");
            if (minScore != null) {
                if (!v.path("score").isNumber()) {
                    return Verdict.of(false, "judge error: the reply has no score");
                }
                double score = v.get("score").asDouble();
                return Verdict.of(score >= minScore, "score " + score + ": " + reason);
            }
            if (!v.path("pass").isBoolean()) {
                return Verdict.of(false, "judge error: the reply has no pass");
            }
            return Verdict.of(v.get("pass").asBoolean(), reason);
        }
    }

    /** The verdict of a grader that needs no model. */
    static Verdict grade(Grader grader, String output) {
        String text = output == null ? "" : output;
        return switch (grader) {
            case Exact g -> g.grade(text);
            case Contains g -> g.grade(text);
            case Regex g -> g.grade(text);
            case Json g -> g.grade(text);
            case JsonSchema g -> g.grade(text);
            case Numeric g -> g.grade(text);
            case Judge g -> throw new IllegalArgumentException("a judge grades through a model: use Judge.verdict");
        };
    }

    ObjectMapper MAPPER = new ObjectMapper();

    static Grader parse(JsonNode node, String at, List<String> problems) {
        if (!node.isObject()) {
            problems.add(EvalSuite.whole(at) + "a grader is required, e.g. {type: exact, expected: ...}");
            return null;
        }
        String type = node.path("type").asText("");
        Set<String> fields = switch (type) {
            case "exact" -> Set.of("type", "expected", "ignoreCase");
            case "contains" -> Set.of("type", "expected", "ignoreCase");
            case "regex" -> Set.of("type", "pattern");
            case "json" -> Set.of("type", "expected");
            case "json-schema" -> Set.of("type", "schema");
            case "numeric" -> Set.of("type", "expected", "tolerance");
            case "judge" -> Set.of("type", "model", "criteria", "minScore");
            default -> null;
        };
        if (fields == null) {
            problems.add(at + "type: '" + type + "' is not one of exact, contains, regex, json, json-schema, numeric,"
                    + " judge");
            return null;
        }
        int before = problems.size();
        EvalSuite.unknown(node, fields, at, problems);
        boolean ignoreCase = node.path("ignoreCase").asBoolean(false);
        Grader grader = switch (type) {
            case "exact" -> new Exact(required(node, "expected", at, problems), ignoreCase);
            case "contains" -> new Contains(strings(node.path("expected"), at, problems), ignoreCase);
            case "regex" -> new Regex(EvalSuite.pattern(required(node, "pattern", at, problems), at, problems));
            case "json" -> new Json(node.has("expected") ? node.get("expected") : null);
            case "json-schema" -> schema(node.path("schema"), at, problems);
            case "numeric" ->
                new Numeric(
                        number(node.path("expected"), at + "expected", problems),
                        node.has("tolerance")
                                ? number(node.get("tolerance"), at + "tolerance", problems)
                                : BigDecimal.ZERO);
            case "judge" -> judge(node, at, problems);
            default -> throw new IllegalStateException(type);
        };
        return problems.size() > before ? null : grader;
    }

    private static Judge judge(JsonNode node, String at, List<String> problems) {
        String model = required(node, "model", at, problems);
        String criteria = required(node, "criteria", at, problems);
        Double minScore = null;
        if (node.has("minScore")) {
            minScore = node.get("minScore").asDouble(-1);
            if (minScore < 0 || minScore > 1) {
                problems.add(at + "minScore: must be from 0 to 1");
            }
        }
        return new Judge(model, criteria, minScore);
    }

    private static JsonSchema schema(JsonNode schema, String at, List<String> problems) {
        if (!schema.isObject()) {
            problems.add(at + "schema: must be a JSON schema (a mapping)");
            return null;
        }
        try {
            JsonOutput.problem(new ResponseFormat(ResponseFormat.Type.JSON_SCHEMA, schema.toString(), "eval"), "{}");
        } catch (RuntimeException e) {
            problems.add(at + "schema: not a usable JSON schema: " + e.getMessage());
            return null;
        }
        return new JsonSchema(schema.toString());
    }

    private static String required(JsonNode node, String field, String at, List<String> problems) {
        JsonNode v = node.path(field);
        if (!v.isValueNode() || v.isNull() || v.asText().isEmpty()) {
            problems.add(at + field + ": required, as text");
            return "";
        }
        return v.asText();
    }

    private static List<String> strings(JsonNode v, String at, List<String> problems) {
        List<String> out = new ArrayList<>();
        if (v.isValueNode() && !v.isNull() && !v.asText().isEmpty()) {
            out.add(v.asText());
        } else if (v.isArray() && !v.isEmpty()) {
            v.forEach(e -> out.add(e.asText()));
        } else {
            problems.add(at + "expected: required, as text or a list of texts");
        }
        return out;
    }

    private static BigDecimal number(JsonNode v, String at, List<String> problems) {
        try {
            if (v.isNumber() || v.isTextual()) {
                BigDecimal n = new BigDecimal(v.asText().strip());
                if (at.endsWith("tolerance") && n.signum() < 0) {
                    problems.add(at + ": must not be negative");
                }
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add(at + ": required, as a number");
        return BigDecimal.ZERO;
    }

    private static String brief(String text) {
        String flat = text.replace('\n', ' ');
        return flat.length() <= 80 ? flat : flat.substring(0, 77) + "...";
    }
}
