package dev.osprey.storesql;

import dev.osprey.store.SpanContentPatterns;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.impl.DSL;

/** Span attribute and full-text clauses ({@link SpanContentPatterns}) as LIKE conditions on a content column. */
final class SpanContentMatch {
    private SpanContentMatch() {}

    /** {@code span.attributes.<key> <op> 'value'} on one span's content column. */
    static Condition attribute(Field<String> content, String key, dev.osprey.search.Condition c) {
        return condition(content, SpanContentPatterns.attribute(key, c));
    }

    /** {@code trace.text} / {@code span.content}: the pattern anywhere in the span's JSON. */
    static Condition text(Field<String> content, dev.osprey.search.Condition c) {
        return condition(content, SpanContentPatterns.text(c));
    }

    private static Condition condition(Field<String> content, SpanContentPatterns.LikeTest test) {
        Condition any = DSL.falseCondition();
        for (String p : test.anyOf()) {
            any = any.or(test.ignoreCase() ? content.likeIgnoreCase(p, SpanContentPatterns.ESCAPE)
                    : content.like(p, SpanContentPatterns.ESCAPE));
        }
        Condition tested = test.negated() ? DSL.not(any) : any;
        return test.required().map(r -> content.like(r, SpanContentPatterns.ESCAPE).and(tested)).orElse(tested);
    }
}
