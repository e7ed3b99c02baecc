package dev.osprey.store;

import dev.osprey.core.RegisteredModel;
import dev.osprey.search.Comparator;
import dev.osprey.search.Condition;
import dev.osprey.search.Field;
import java.util.List;
import java.util.Locale;

/**
 * How registry searches treat prompts (spec/search-grammar.md §4), the same in every backend: prompts are hidden
 * unless the filter asks for them with a clause on tag {@code mlflow.prompt.is_prompt} that is {@code = 'true'} or
 * {@code != 'false'}; when it does not, clauses on that tag are dropped.
 */
public final class PromptFilter {
    private PromptFilter() {}

    /** True when some clause selects prompts. */
    public static boolean asksForPrompts(List<Condition> filter) {
        for (Condition c : filter) {
            if (isPromptClause(c) && !c.comparator().isList()) {
                String value = c.text().toLowerCase(Locale.ROOT);
                if ((c.comparator() == Comparator.EQ && value.equals("true"))
                        || (c.comparator() == Comparator.NE && value.equals("false"))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The clauses to apply: all of them when prompts are asked for, else all but those on the prompt tag. */
    public static List<Condition> clausesToApply(List<Condition> filter) {
        return asksForPrompts(filter) ? filter : filter.stream().filter(c -> !isPromptClause(c)).toList();
    }

    private static boolean isPromptClause(Condition c) {
        return c.field() == Field.TAG && c.key().equals(RegisteredModel.PROMPT_TAG);
    }
}
