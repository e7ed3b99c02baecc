package dev.osprey.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EntityGrammarTest {

    @Test
    void runFilter_parsesEveryFieldKind() {
        List<Condition> c = EntityGrammar.RUNS.parseFilter("metrics.rmse < 1 and params.model_class = "
                + "'LogisticRegression' AND tags.\"mlflow.runName\" LIKE 'bold-%' and attributes.status = 'FINISHED' "
                + "and datasets.context = 'training'");
        assertThat(c).extracting(Condition::field).containsExactly(Field.METRIC, Field.PARAM, Field.TAG,
                Field.ATTRIBUTE, Field.DATASET);
        assertThat(c.get(0).number()).isEqualByComparingTo(BigDecimal.ONE);
        assertThat(c.get(2).key()).isEqualTo("mlflow.runName");
        assertThat(c.get(2).comparator()).isEqualTo(Comparator.LIKE);
    }

    @Test
    void identifiers_splitAtFirstDot_andQuotesAreStripped() {
        assertThat(EntityGrammar.RUNS.parseFilter("metrics.train.loss > 0").get(0).key()).isEqualTo("train.loss");
        assertThat(EntityGrammar.RUNS.parseFilter("params.`learning-rate` = '0.1'").get(0).key())
                .isEqualTo("learning-rate");
        assertThat(EntityGrammar.RUNS.parseFilter("`tags`.`my tag` = 'x'").get(0).key()).isEqualTo("my tag");
        assertThat(EntityGrammar.RUNS.parseFilter("run_id='abc'").get(0).key()).isEqualTo("run_id");
        assertThat(EntityGrammar.RUNS.parseFilter("created > 5").get(0).key()).isEqualTo("start_time");
        assertThat(EntityGrammar.RUNS.parseFilter("attributes.`Run name` = 'x'").get(0).key()).isEqualTo("run_name");
    }

    @Test
    void values_quotesNumbersAndLists() {
        assertThat(EntityGrammar.RUNS.parseFilter("params.p = \"double\"").get(0).text()).isEqualTo("double");
        assertThat(EntityGrammar.RUNS.parseFilter("params.p = 'it''s'").get(0).text()).isEqualTo("it's");
        assertThat(EntityGrammar.RUNS.parseFilter("metrics.m >= -1.5e-3").get(0).number())
                .isEqualByComparingTo(new BigDecimal("-1.5e-3"));
        assertThat(EntityGrammar.RUNS.parseFilter("run_id IN ('a', 'b')").get(0).list()).containsExactly("a", "b");
        assertThat(EntityGrammar.RUNS.parseFilter("run_id not in ('a')").get(0).comparator())
                .isEqualTo(Comparator.NOT_IN);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "metrics.m > 'x'",                 // metrics need numbers
        "params.p = 1",                    // params need strings
        "params.p > '1'",                  // no ordering on strings
        "params.p = unquoted",
        "metrics.m > 1 or metrics.n < 2",
        "metrics.m > 1; DROP TABLE runs",
        "foo.bar = 'x'",                   // unknown entity
        "attributes.nope = 'x'",
        "attributes.status IN ('A')",      // IN only for run_id
        "run_id IN ()",
        "run_id IN 'a'",
        "params.p IN ('a')",
        "metrics.m",
        "metrics.m >",
        "and metrics.m > 1",
        "datasets.size = 'x'",
        "params.p = 'unterminated"
    })
    void invalidFilters_areRejected(String filter) {
        assertThatThrownBy(() -> EntityGrammar.RUNS.parseFilter(filter)).isInstanceOf(SearchSyntaxException.class);
    }

    @Test
    void orderBy_parsesDirectionsAndRejectsJunk() {
        List<Ordering> o = EntityGrammar.RUNS.parseOrderBy(List.of("metrics.m0 DESC", "params.p", "start_time asc"));
        assertThat(o).containsExactly(new Ordering(Field.METRIC, "m0", false), new Ordering(Field.PARAM, "p", true),
                new Ordering(Field.ATTRIBUTE, "start_time", true));
        assertThatThrownBy(() -> EntityGrammar.RUNS.parseOrderBy(List.of("metrics.m SIDEWAYS")))
                .isInstanceOf(SearchSyntaxException.class);
        assertThatThrownBy(() -> EntityGrammar.RUNS.parseOrderBy(List.of("metrics.m DESC extra")))
                .isInstanceOf(SearchSyntaxException.class);
        assertThatThrownBy(() -> EntityGrammar.RUNS.parseOrderBy(List.of("metrics.m", "metrics.m DESC")))
                .hasMessageContaining("duplicate");
        assertThatThrownBy(() -> EntityGrammar.RUNS.parseOrderBy(List.of("start_time; DROP TABLE runs")))
                .isInstanceOf(SearchSyntaxException.class);
        assertThatThrownBy(() -> EntityGrammar.RUNS.parseOrderBy(List.of("attributes.bogus")))
                .isInstanceOf(SearchSyntaxException.class);
    }

    @Test
    void experimentGrammar_allowsNameTagsAndTimes() {
        assertThat(EntityGrammar.EXPERIMENTS.parseFilter("name ILIKE '%a%' and tags.team = 'x' and "
                + "creation_time > 5")).hasSize(3);
        assertThatThrownBy(() -> EntityGrammar.EXPERIMENTS.parseFilter("metrics.m > 1"))
                .hasMessageContaining("Invalid entity type 'metrics'");
        assertThatThrownBy(() -> EntityGrammar.EXPERIMENTS.parseFilter("name > 'a'"))
                .isInstanceOf(SearchSyntaxException.class);
        assertThatThrownBy(() -> EntityGrammar.EXPERIMENTS.parseOrderBy(List.of("tags.team")))
                .isInstanceOf(SearchSyntaxException.class);
        assertThat(EntityGrammar.EXPERIMENTS.parseOrderBy(List.of("experiment_id DESC"))).hasSize(1);
    }

    @Test
    void emptyFilter_hasNoClauses() {
        assertThat(EntityGrammar.RUNS.parseFilter("")).isEmpty();
        assertThat(EntityGrammar.RUNS.parseFilter("   ")).isEmpty();
    }

    @Test
    void traceGrammar_spanAttributesContentAndText() {
        List<Condition> c = EntityGrammar.TRACES.parseFilter("span.attributes.mlflow.spanType = 'LLM' AND "
                + "span.attributes.`gen_ai.request model` LIKE 'gpt-%' AND span.content ILIKE '%weather%' AND "
                + "trace.text LIKE '%Paris%'");
        assertThat(c).extracting(Condition::key).containsExactly("attributes.mlflow.spanType",
                "attributes.gen_ai.request model", "content", "text");
        assertThat(c).extracting(Condition::field).containsExactly(Field.SPAN, Field.SPAN, Field.SPAN,
                Field.ATTRIBUTE);
        assertThatThrownBy(() -> EntityGrammar.TRACES.parseFilter("trace.text = 'Paris'"))
                .isInstanceOf(SearchSyntaxException.class).hasMessageContaining("attribute text");
        assertThatThrownBy(() -> EntityGrammar.TRACES.parseFilter("span.content = 'x'"))
                .isInstanceOf(SearchSyntaxException.class).hasMessageContaining("span content");
        assertThatThrownBy(() -> EntityGrammar.TRACES.parseFilter("span.attributes. = 'x'"))
                .isInstanceOf(SearchSyntaxException.class);
        assertThatThrownBy(() -> EntityGrammar.TRACES.parseFilter("span.inputs = 'x'"))
                .isInstanceOf(SearchSyntaxException.class).hasMessageContaining("attributes.<key>");
    }
}
