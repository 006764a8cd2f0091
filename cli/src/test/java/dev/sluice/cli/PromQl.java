package dev.sluice.cli;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The series a PromQL expression reads: each selector's metric name and label matchers, and the
 * labels it groups or matches by. Enough of PromQL for the rules and dashboards in deploy/ to be
 * held to a real scrape; not a parser: functions, operators, numbers, ranges and offsets are
 * stepped over.
 */
final class PromQl {
    /** One label matcher: {@code label op "value"}, op one of =, !=, =~, !~. */
    record Matcher(String label, String op, String value) {}

    record Selector(String metric, List<Matcher> matchers) {}

    /** What an expression reads: its selectors and the labels named by by, without, on, ignoring, group_*. */
    record Reads(List<Selector> selectors, Set<String> groupingLabels) {}

    private static final Set<String> KEYWORDS = Set.of(
            "and",
            "or",
            "unless",
            "bool",
            "offset",
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "inf",
            "nan",
            // aggregation operators, which may come before their by/without clause: sum by (x) (...)
            "sum",
            "min",
            "max",
            "avg",
            "group",
            "stddev",
            "stdvar",
            "count",
            "count_values",
            "bottomk",
            "topk",
            "quantile");
    private static final Set<String> LABEL_LISTS =
            Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

    private PromQl() {}

    static Reads read(String expr) {
        List<Selector> selectors = new ArrayList<>();
        Set<String> grouping = new LinkedHashSet<>();
        int i = 0;
        int n = expr.length();
        while (i < n) {
            char c = expr.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = endOfString(expr, i);
            } else if (c == '[') {
                i = expr.indexOf(']', i) + 1; // a range or subquery: durations only
            } else if (c == '{') {
                int end = endOfBraces(expr, i);
                selectors.add(new Selector(null, matchers(expr.substring(i + 1, end))));
                i = end + 1;
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(expr.charAt(i + 1)))) {
                while (i < n
                        && (Character.isLetterOrDigit(expr.charAt(i))
                                || expr.charAt(i) == '.'
                                || ((expr.charAt(i) == '+' || expr.charAt(i) == '-')
                                        && Character.toLowerCase(expr.charAt(i - 1)) == 'e'))) {
                    i++;
                }
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                int start = i;
                while (i < n
                        && (Character.isLetterOrDigit(expr.charAt(i))
                                || expr.charAt(i) == '_'
                                || expr.charAt(i) == ':')) {
                    i++;
                }
                String word = expr.substring(start, i);
                int next = skipSpace(expr, i);
                boolean call = next < n && expr.charAt(next) == '(';
                if (LABEL_LISTS.contains(word) && call) {
                    int close = expr.indexOf(')', next);
                    for (String label : expr.substring(next + 1, close).split(",")) {
                        if (!label.isBlank()) {
                            grouping.add(label.strip());
                        }
                    }
                    i = close + 1;
                } else if (word.equals("offset")) {
                    i = next;
                    while (i < n && Character.isLetterOrDigit(expr.charAt(i))) {
                        i++;
                    }
                } else if (!call && !KEYWORDS.contains(word.toLowerCase(java.util.Locale.ROOT))) {
                    List<Matcher> matchers = List.of();
                    if (next < n && expr.charAt(next) == '{') {
                        int end = endOfBraces(expr, next);
                        matchers = matchers(expr.substring(next + 1, end));
                        i = end + 1;
                    }
                    selectors.add(new Selector(word, matchers));
                }
            } else {
                i++;
            }
        }
        return new Reads(selectors, grouping);
    }

    private static List<Matcher> matchers(String body) {
        List<Matcher> out = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                        "\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*,?")
                .matcher(body);
        int at = 0;
        while (m.find() && m.start() == at) {
            out.add(new Matcher(
                    m.group(1), m.group(2), m.group(3).replace("\\\"", "\"").replace("\\\\", "\\")));
            at = m.end();
        }
        if (at != body.length()) {
            throw new IllegalArgumentException("cannot read label matchers {" + body + "}");
        }
        return out;
    }

    private static int endOfString(String s, int open) {
        char quote = s.charAt(open);
        int i = open + 1;
        while (i < s.length() && s.charAt(i) != quote) {
            i += s.charAt(i) == '\\' && quote != '`' ? 2 : 1;
        }
        return i + 1;
    }

    private static int endOfBraces(String s, int open) {
        int i = open + 1;
        while (i < s.length() && s.charAt(i) != '}') {
            i = s.charAt(i) == '"' ? endOfString(s, i) : i + 1;
        }
        if (i >= s.length()) {
            throw new IllegalArgumentException("unclosed { in " + s);
        }
        return i;
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }
}
