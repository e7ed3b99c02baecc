package dev.osprey.tracing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an interface method (or its implementation) to run in a span when called through
 * {@link Tracing#traced(Class, Object)}: arguments become the span's inputs, the result its outputs.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Traced {
    /** Span name; the method name when empty. */
    String name() default "";

    SpanType type() default SpanType.UNKNOWN;
}
