package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class StreamingTest {

    private static ProviderSimulator simulator;
    private static SimHttp http;

    @BeforeAll
    static void start() {
        // A token rate makes the stream genuinely incremental without slowing the test much.
        simulator = ProviderSimulator.start(SimConfig.defaults().withTokensPerSecond(2_000));
        http = new SimHttp(simulator);
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    @Test
    void shouldStreamOpenAiChunksThatReassembleToTheNonStreamedText() {
        String plain = SimHttp.openAiBody("Stream me a story.");
        String streamed =
                plain.replace("{\"model\"", "{\"stream\":true,\"stream_options\":{\"include_usage\":true},\"model\"");
        JsonNode expected = http.openAi(plain).json();

        SimHttp.Reply reply = http.openAi(streamed);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("content-type")).startsWith("text/event-stream");
        List<SimHttp.SseEvent> events = SimHttp.sse(reply.body());
        assertThat(events).allSatisfy(e -> assertThat(e.event()).isNull());
        assertThat(events.getLast().data()).isEqualTo("[DONE]");
        List<JsonNode> chunks = events.subList(0, events.size() - 1).stream()
                .map(SimHttp.SseEvent::json)
                .toList();
        assertThat(chunks).allSatisfy(chunk -> {
            assertThat(chunk.get("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(chunk.get("id").asText())
                    .isEqualTo(chunks.getFirst().get("id").asText())
                    .startsWith("chatcmpl-");
            assertThat(chunk.get("model").asText()).isEqualTo("gpt-4o-mini");
        });

        JsonNode first = chunks.getFirst().at("/choices/0");
        assertThat(first.at("/delta/role").asText()).isEqualTo("assistant");
        assertThat(first.at("/delta/content").asText()).isEmpty();
        assertThat(first.get("finish_reason").isNull()).isTrue();

        JsonNode usageChunk = chunks.getLast();
        assertThat(usageChunk.get("choices")).isEmpty();
        assertThat(usageChunk.get("usage")).isEqualTo(expected.get("usage"));

        JsonNode finalChoice = chunks.get(chunks.size() - 2).at("/choices/0");
        assertThat(finalChoice.get("delta")).isEmpty();
        assertThat(finalChoice.get("finish_reason").asText()).isEqualTo("stop");
        assertThat(chunks.subList(0, chunks.size() - 1))
                .allSatisfy(c -> assertThat(c.get("usage").isNull()).isTrue());

        List<JsonNode> content = chunks.subList(1, chunks.size() - 2);
        assertThat(content)
                .hasSizeGreaterThan(1)
                .allSatisfy(c ->
                        assertThat(c.at("/choices/0/finish_reason").isNull()).isTrue());
        String text = String.join(
                "",
                content.stream()
                        .map(c -> c.at("/choices/0/delta/content").asText())
                        .toList());
        assertThat(text).isEqualTo(expected.at("/choices/0/message/content").asText());
    }

    @Test
    void shouldOmitTheUsageChunkUnlessAskedFor() {
        String streamed = SimHttp.openAiBody("No usage please.").replace("{\"model\"", "{\"stream\":true,\"model\"");

        List<SimHttp.SseEvent> events = SimHttp.sse(http.openAi(streamed).body());

        assertThat(events.getLast().data()).isEqualTo("[DONE]");
        JsonNode last = events.get(events.size() - 2).json();
        assertThat(last.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(events.subList(0, events.size() - 1))
                .allSatisfy(e -> assertThat(e.json().has("usage")).isFalse());
    }

    @Test
    void shouldEndACappedOpenAiStreamWithFinishReasonLength() {
        String streamed = SimHttp.openAiBody("Cap the stream.")
                .replace("{\"model\"", "{\"stream\":true,\"max_tokens\":4,\"model\"");

        List<SimHttp.SseEvent> events = SimHttp.sse(http.openAi(streamed).body());

        assertThat(events.get(events.size() - 2)
                        .json()
                        .at("/choices/0/finish_reason")
                        .asText())
                .isEqualTo("length");
    }

    @Test
    void shouldStreamAnthropicEventsInOrderAndReassembleToTheNonStreamedText() {
        String plain = SimHttp.anthropicBody("Stream me a poem.");
        JsonNode expected = http.anthropic(plain).json();

        SimHttp.Reply reply = http.anthropic(plain.replace("{\"model\"", "{\"stream\":true,\"model\""));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("content-type")).startsWith("text/event-stream");
        List<SimHttp.SseEvent> events = SimHttp.sse(reply.body());
        assertThat(events)
                .allSatisfy(e -> assertThat(e.json().get("type").asText()).isEqualTo(e.event()));
        List<String> names = events.stream().map(SimHttp.SseEvent::event).toList();
        assertThat(names.subList(0, 3)).containsExactly("message_start", "content_block_start", "ping");
        assertThat(names.subList(names.size() - 3, names.size()))
                .containsExactly("content_block_stop", "message_delta", "message_stop");
        List<SimHttp.SseEvent> deltas = events.subList(3, events.size() - 3);
        assertThat(deltas)
                .hasSizeGreaterThan(1)
                .allSatisfy(e -> assertThat(e.event()).isEqualTo("content_block_delta"));

        JsonNode message = events.getFirst().json().get("message");
        assertThat(message.get("id").asText()).startsWith("msg_");
        assertThat(message.get("content")).isEmpty();
        assertThat(message.get("stop_reason").isNull()).isTrue();
        assertThat(message.at("/usage/input_tokens").asInt())
                .isEqualTo(expected.at("/usage/input_tokens").asInt());
        assertThat(events.get(1).json().at("/content_block/type").asText()).isEqualTo("text");

        String text = String.join(
                "",
                deltas.stream()
                        .map(e -> {
                            JsonNode delta = e.json();
                            assertThat(delta.get("index").asInt()).isZero();
                            assertThat(delta.at("/delta/type").asText()).isEqualTo("text_delta");
                            return delta.at("/delta/text").asText();
                        })
                        .toList());
        assertThat(text).isEqualTo(expected.at("/content/0/text").asText());

        JsonNode messageDelta = events.get(events.size() - 2).json();
        assertThat(messageDelta.at("/delta/stop_reason").asText()).isEqualTo("end_turn");
        assertThat(messageDelta.at("/delta/stop_sequence").isNull()).isTrue();
        assertThat(messageDelta.at("/usage/output_tokens").asInt())
                .isEqualTo(expected.at("/usage/output_tokens").asInt());
    }

    @Test
    void shouldReportMaxTokensInTheAnthropicMessageDelta() {
        String body = SimHttp.anthropicBody("Cap the poem.")
                .replace("\"max_tokens\":1024", "\"max_tokens\":3,\"stream\":true");

        List<SimHttp.SseEvent> events = SimHttp.sse(http.anthropic(body).body());

        JsonNode messageDelta = events.get(events.size() - 2).json();
        assertThat(messageDelta.at("/delta/stop_reason").asText()).isEqualTo("max_tokens");
        assertThat(messageDelta.at("/usage/output_tokens").asInt()).isLessThanOrEqualTo(3);
        assertThat(events.getLast().event()).isEqualTo("message_stop");
    }
}
