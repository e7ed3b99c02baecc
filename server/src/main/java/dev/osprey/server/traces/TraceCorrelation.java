package dev.osprey.server.traces;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.search.Condition;
import dev.osprey.search.EntityGrammar;
import dev.osprey.store.TraceStore;
import java.util.ArrayList;
import java.util.List;

/**
 * CalculateTraceFilterCorrelation: how two trace filters co-occur in an experiment's traces, as normalized pointwise
 * mutual information (MLflow's {@code calculate_npmi_from_counts}: NaN without support, -1 when the filters never
 * co-occur, 1 when they always do, and a version smoothed with Jeffreys' prior). Counts come from the store's lean
 * trace rows, each filter combined with the optional base filter.
 */
final class TraceCorrelation {
    private static final double JEFFREYS_PRIOR = 0.5;

    private final TraceStore traces;

    TraceCorrelation(TraceStore traces) {
        this.traces = traces;
    }

    ObjectNode calculate(Message m) {
        List<String> experiments = m.strings("experiment_ids");
        if (experiments.isEmpty()) {
            throw OspreyException.invalid("Missing value for required parameter 'experiment_ids'.");
        }
        List<Condition> base = EntityGrammar.TRACES.parseFilter(m.string("base_filter").orElse(""));
        List<Condition> first = EntityGrammar.TRACES.parseFilter(m.requiredString("filter_string1"));
        List<Condition> second = EntityGrammar.TRACES.parseFilter(m.requiredString("filter_string2"));
        long total = count(experiments, base);
        long count1 = count(experiments, base, first);
        long count2 = count(experiments, base, second);
        long joint = count(experiments, base, first, second);
        double[] npmi = npmi(joint, count1, count2, total);
        ObjectNode out = Json.object();
        put(out, "npmi", npmi[0]);
        put(out, "npmi_smoothed", npmi[1]);
        return out.put("filter1_count", count1).put("filter2_count", count2).put("joint_count", joint)
                .put("total_count", total);
    }

    /** Proto3 JSON spells a NaN double as the string "NaN". */
    private static void put(ObjectNode out, String field, double value) {
        if (Double.isNaN(value)) {
            out.put(field, "NaN");
        } else {
            out.put(field, value);
        }
    }

    @SafeVarargs
    private long count(List<String> experiments, List<Condition>... filters) {
        List<Condition> all = new ArrayList<>();
        for (List<Condition> f : filters) {
            all.addAll(f);
        }
        long[] n = {0};
        traces.metricRows(new TraceStore.MetricRowQuery(experiments, all, false, false), row -> n[0]++);
        return n[0];
    }

    /** Unsmoothed and smoothed NPMI from the 2x2 contingency counts. */
    static double[] npmi(long joint, long count1, long count2, long total) {
        if (total <= 0 || count1 == 0 || count2 == 0) {
            return new double[] {Double.NaN, Double.NaN};
        }
        long n11 = joint;
        long n10 = count1 - joint;
        long n01 = count2 - joint;
        long n00 = total - count1 - count2 + joint;
        if (Math.min(Math.min(n11, n10), Math.min(n01, n00)) < 0) {
            return new double[] {Double.NaN, Double.NaN};
        }
        double plain = joint == 0 ? -1.0 : core(n11, n10, n01, n00, 0);
        return new double[] {plain, core(n11, n10, n01, n00, JEFFREYS_PRIOR)};
    }

    private static double core(long n11, long n10, long n01, long n00, double smoothing) {
        double a = n11 + smoothing;
        double b = n10 + smoothing;
        double c = n01 + smoothing;
        double d = n00 + smoothing;
        double total = a + b + c + d;
        double n1 = a + b;
        double n2 = a + c;
        if (n1 <= 0 || n2 <= 0 || a <= 0) {
            return Double.NaN;
        }
        if (n10 == 0 && n01 == 0 && n00 == 0) {
            return 1.0; // the two always co-occur
        }
        double pmi = (Math.log(a) + Math.log(total)) - (Math.log(n1) + Math.log(n2));
        double npmi = pmi / -(Math.log(a) - Math.log(total));
        return Math.max(-1.0, Math.min(1.0, npmi));
    }
}
