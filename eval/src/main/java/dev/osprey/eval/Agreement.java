package dev.osprey.eval;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How far a judge agrees with people on a set of labelled examples: the share of equal labels and Cohen's kappa,
 * which discounts the agreement two raters would reach by chance from how often each uses each label (a judge that
 * always says "yes" on a set that is 80 % "yes" agrees on 80 % and has kappa 0).
 *
 * @param errors verdicts the judge could not give (counted as disagreements)
 */
public record Agreement(int total, int agreed, int errors, double accuracy, double kappa) {

    /** Agreement of paired labels, person's first. */
    public static Agreement of(List<String> human, List<String> judge) {
        if (human.size() != judge.size()) {
            throw new IllegalArgumentException("Label lists differ in length: " + human.size() + " and "
                    + judge.size() + ".");
        }
        int n = human.size();
        if (n == 0) {
            return new Agreement(0, 0, 0, 0, 0);
        }
        int agreed = 0;
        int errors = 0;
        Map<String, Integer> humanCounts = new HashMap<>();
        Map<String, Integer> judgeCounts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            agreed += human.get(i).equals(judge.get(i)) ? 1 : 0;
            errors += judge.get(i).equals("error") ? 1 : 0;
            humanCounts.merge(human.get(i), 1, Integer::sum);
            judgeCounts.merge(judge.get(i), 1, Integer::sum);
        }
        double observed = (double) agreed / n;
        double chance = 0;
        for (var e : humanCounts.entrySet()) {
            chance += ((double) e.getValue() / n) * ((double) judgeCounts.getOrDefault(e.getKey(), 0) / n);
        }
        // Both raters used one and the same label throughout: agreement is total but says nothing beyond chance.
        double kappa = chance >= 1.0 ? (observed >= 1.0 ? 1.0 : 0.0) : (observed - chance) / (1.0 - chance);
        return new Agreement(n, agreed, errors, observed, kappa);
    }

    /** Runs the judge on every example and compares its verdicts with the people's. */
    public static Agreement measure(Scorer judge, List<LabelledExample> examples) {
        List<String> judged = examples.stream().map(e -> Labels.of(judge.score(e.item()))).toList();
        return of(examples.stream().map(LabelledExample::label).toList(), judged);
    }
}
