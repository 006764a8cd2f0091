package dev.sluice.testkit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts one {@link KafkaStack} per test class, lazily on first use, and closes it with the class.
 * It is stored in the class's extension store, so JUnit closes it even when a test fails.
 */
public final class KafkaStackExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KafkaStack.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == KafkaStack.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        ExtensionContext classContext = context.getTestClass().isPresent()
                        && context.getParent().isPresent()
                        && context.getTestMethod().isPresent()
                ? context.getParent().get()
                : context;
        return classContext
                .getStore(NAMESPACE)
                .computeIfAbsent(Holder.class, k -> new Holder(KafkaStack.start()), Holder.class)
                .stack;
    }

    /** Closed by JUnit when the class's store is closed. */
    private record Holder(KafkaStack stack) implements AutoCloseable {
        @Override
        public void close() {
            stack.close();
        }
    }
}
