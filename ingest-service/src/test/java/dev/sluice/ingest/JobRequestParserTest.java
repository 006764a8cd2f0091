package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.model.Priority;
import dev.sluice.model.ResponseFormat;
import dev.sluice.model.Role;
import dev.sluice.model.Tier;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class JobRequestParserTest {
    private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JobRequestParser.Parsed parse(String json, String idempotencyHeader) throws Exception {
        return JobRequestParser.parse(JSON.readTree(json), "req-1", idempotencyHeader, NOW, "caller");
    }

    @Test
    void shouldTurnAFullBodyIntoARequest() throws Exception {
        var parsed = parse("""
                {"tenantId":"acme","messages":[{"role":"system","content":"be brief","cacheable":true},
                 {"role":"user","content":"hi"}],"model":"gpt-4o","tier":"large","priority":"high",
                 "maxOutputTokens":200,"temperature":0,"responseFormat":{"type":"json_schema","name":"out",
                 "schema":{"type":"object"}},"webhook":"https://hooks.example.com/x","metadata":{"team":"a"},
                 "deadline":"2026-11-23T00:00:00Z","userId":"u-1","idempotencyKey":"k-1"}
                """, null);

        assertThat(parsed.errors()).isEmpty();
        var r = parsed.request();
        assertThat(r.requestId()).isEqualTo("req-1");
        assertThat(r.tenantId()).isEqualTo("acme");
        assertThat(r.messages()).hasSize(2);
        assertThat(r.messages().getFirst().role()).isEqualTo(Role.SYSTEM);
        assertThat(r.messages().getFirst().cacheable()).isTrue();
        assertThat(r.tier()).isEqualTo(Tier.LARGE);
        assertThat(r.priority()).isEqualTo(Priority.HIGH);
        assertThat(r.maxOutputTokens()).isEqualTo(200);
        assertThat(r.temperature()).isEqualTo(0.0);
        assertThat(r.responseFormat().type()).isEqualTo(ResponseFormat.Type.JSON_SCHEMA);
        assertThat(JSON.readTree(r.responseFormat().jsonSchema()).path("type").asText())
                .isEqualTo("object");
        assertThat(r.deadline()).isEqualTo(Instant.parse("2026-11-23T00:00:00Z"));
        assertThat(r.effectiveIdempotencyKey()).isEqualTo("k-1");
        assertThat(r.createdAt()).isEqualTo(NOW);
    }

    @Test
    void shouldApplyDefaultsToAMinimalBody() throws Exception {
        var r = parse("{\"tenantId\":\"acme\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", null)
                .request();
        assertThat(r.priority()).isEqualTo(Priority.NORMAL);
        assertThat(r.tier()).isNull();
        assertThat(r.maxOutputTokens()).isEqualTo(1024);
        assertThat(r.effectiveIdempotencyKey()).isEqualTo("req-1");
    }

    @Test
    void shouldReportEveryInvalidFieldAtOnce() throws Exception {
        var parsed = parse("""
                {"tenantId":"a b","messages":[{"role":"robot","content":5}],"tier":"huge","maxOutputTokens":0,
                 "temperature":3,"webhook":"ftp://x","metadata":{"n":1},"deadline":"tomorrow","colour":"red"}
                """, null);

        assertThat(parsed.request()).isNull();
        assertThat(parsed.errors())
                .extracting(Problem.FieldError::field)
                .containsExactlyInAnyOrder(
                        "colour",
                        "tenantId",
                        "messages[0].role",
                        "messages[0].content",
                        "tier",
                        "maxOutputTokens",
                        "temperature",
                        "webhook",
                        "metadata.n",
                        "deadline");
        assertThat(parsed.errors())
                .filteredOn(e -> e.field().equals("colour"))
                .extracting(Problem.FieldError::message)
                .containsExactly("unknown field");
    }

    @Test
    void shouldRequireMessagesOnly() throws Exception {
        var parsed = parse("{}", null);
        assertThat(parsed.errors()).extracting(Problem.FieldError::field).containsExactly("messages");
        assertThat(parse("{\"tenantId\":\"a\",\"messages\":[]}", null).errors())
                .extracting(Problem.FieldError::message)
                .containsExactly("must be a non-empty array");
    }

    @Test
    void shouldTakeTheCallersTenantWhenTheBodyNamesNoneAndKeepAnotherForTheHandlerToRefuse() throws Exception {
        String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        assertThat(parse("{" + messages + "}", null).request().tenantId()).isEqualTo("caller");
        assertThat(parse("{\"tenantId\":null," + messages + "}", null).request().tenantId())
                .isEqualTo("caller");
        assertThat(parse("{\"tenantId\":\"other\"," + messages + "}", null)
                        .request()
                        .tenantId())
                .isEqualTo("other");
        assertThat(parse("{\"tenantId\":7," + messages + "}", null).errors())
                .extracting(Problem.FieldError::field)
                .containsExactly("tenantId");
    }

    @Test
    void shouldTakeTheIdempotencyKeyHeaderAndRefuseAContradiction() throws Exception {
        String body = "{\"tenantId\":\"acme\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        assertThat(parse(body, "hdr-1").request().idempotencyKey()).isEqualTo("hdr-1");
        String both =
                "{\"tenantId\":\"acme\",\"idempotencyKey\":\"body-1\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
        assertThat(parse(both, "hdr-1").errors())
                .extracting(Problem.FieldError::field)
                .containsExactly("idempotencyKey");
    }

    @Test
    void shouldRequireASchemaForJsonSchemaOutput() throws Exception {
        var parsed = parse(
                "{\"tenantId\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                        + "\"responseFormat\":{\"type\":\"JSON_SCHEMA\"}}",
                null);
        assertThat(parsed.errors()).extracting(Problem.FieldError::field).containsExactly("responseFormat.schema");
    }

    @Test
    void shouldRefuseABodyThatIsNotAnObject() throws Exception {
        assertThat(parse("[1,2]", null).errors())
                .extracting(Problem.FieldError::message)
                .containsExactly("the body must be a JSON object");
    }
}
