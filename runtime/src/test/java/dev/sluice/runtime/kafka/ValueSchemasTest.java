package dev.sluice.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.registry.InMemorySchemaRegistry;
import dev.sluice.schemas.registry.SchemaRegistry;
import dev.sluice.schemas.registry.SchemaRegistryException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class ValueSchemasTest {
    private final Topics topics = new Topics("x.");

    /** A topic added to the catalogue without its schema here would be missed by outside clients. */
    @Test
    void shouldNameASchemaForEveryTopicOfTheCatalogueButTheEvalRunsJson() {
        Map<String, Schema> subjects = ValueSchemas.of(topics, TopicLayout.DEFAULT);

        List<String> expected = topics.all(TopicLayout.DEFAULT).stream()
                .map(Topics.TopicSpec::name)
                .filter(name -> !name.equals(topics.evalRuns()))
                .map(ValueSchemas::subject)
                .toList();
        assertThat(subjects.keySet()).containsExactlyElementsOf(expected);
        assertThat(subjects.get("x.requests-value").getFullName()).isEqualTo("dev.sluice.avro.LlmRequest");
        assertThat(subjects.get("x.results-value").getFullName()).isEqualTo("dev.sluice.avro.LlmResult");
        assertThat(subjects.get("x.job-events-value").getFullName()).isEqualTo("dev.sluice.avro.JobStatus");
        assertThat(subjects.get("x.webhooks.retry.5-value").getFullName()).isEqualTo("dev.sluice.avro.WebhookDelivery");
    }

    @Test
    void shouldRegisterEverySubjectOnceAndKeepTheIdsWhenRegisteredAgain() {
        InMemorySchemaRegistry registry = InMemorySchemaRegistry.forScope("value-schemas-twice");
        Map<String, Schema> subjects = ValueSchemas.of(topics, TopicLayout.DEFAULT);

        assertThat(ValueSchemas.register(registry, subjects)).isEmpty();
        int id = registry.lookupId("x.requests-value", subjects.get("x.requests-value"));
        assertThat(ValueSchemas.register(registry, subjects)).isEmpty();

        assertThat(registry.subjects()).containsExactlyInAnyOrderElementsOf(subjects.keySet());
        assertThat(registry.versions("x.requests-value")).hasSize(1);
        assertThat(registry.lookupId("x.requests-value", subjects.get("x.requests-value")))
                .isEqualTo(id);
    }

    @Test
    void shouldRegisterTheRestAndNameTheSubjectARegistryRefused() {
        InMemorySchemaRegistry store = InMemorySchemaRegistry.forScope("value-schemas-refusing");
        SchemaRegistry registry = (SchemaRegistry) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {SchemaRegistry.class}, (proxy, method, args) -> {
                    if (method.getName().equals("register") && "x.results-value".equals(args[0])) {
                        throw new SchemaRegistryException("incompatible with version 3", 409, 409);
                    }
                    return method.invoke(store, args);
                });
        Map<String, Schema> subjects = ValueSchemas.of(topics, TopicLayout.DEFAULT);

        assertThat(ValueSchemas.register(registry, subjects)).containsExactly("x.results-value");
        assertThat(store.subjects()).hasSize(subjects.size() - 1).contains("x.requests-value");
    }

    /** A registry that does not answer is not asked 29 times, each waiting out its timeout. */
    @Test
    void shouldStopAtTheFirstFailureThatEveryOtherSubjectWouldMeetToo() {
        List<String> asked = new ArrayList<>();
        SchemaRegistry unreachable = (SchemaRegistry) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {SchemaRegistry.class}, (proxy, method, args) -> {
                    asked.add((String) args[0]);
                    throw new SchemaRegistryException(
                            "cannot reach the registry", new java.net.ConnectException("Connection refused"));
                });
        Map<String, Schema> subjects = ValueSchemas.of(topics, TopicLayout.DEFAULT);

        assertThat(ValueSchemas.register(unreachable, subjects)).containsExactlyElementsOf(subjects.keySet());
        assertThat(asked).containsExactly("x.requests-value");
    }
}
