package dev.sluice.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a test class a real Kafka broker and the development schema registry, started once before
 * its first test and stopped after its last. Test and lifecycle methods receive it as a
 * {@link KafkaStack} parameter:
 *
 * <pre>{@code
 * @SluiceKafka
 * class RouterIT {
 *     @Test
 *     void shouldRoute(KafkaStack kafka) { ... kafka.serviceConfig(kafka.newPrefix()) ... }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(KafkaStackExtension.class)
public @interface SluiceKafka {}
