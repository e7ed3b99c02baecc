package dev.osprey.store;

import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import java.util.List;

/**
 * A param logged again with a different value. Carries the conflicts so the service can word the error the way
 * MLflow words it for LogParam and for LogBatch.
 */
public final class ParamConflictException extends OspreyException {
    private static final long serialVersionUID = 1L;
    private final transient List<Conflict> conflicts;
    private final String runId;

    public ParamConflictException(String runId, List<Conflict> conflicts) {
        super(ErrorCode.INVALID_PARAMETER_VALUE, batchMessage(runId, conflicts));
        this.runId = runId;
        this.conflicts = List.copyOf(conflicts);
    }

    public List<Conflict> conflicts() {
        return conflicts;
    }

    public String runId() {
        return runId;
    }

    private static String batchMessage(String runId, List<Conflict> conflicts) {
        StringBuilder list = new StringBuilder("[");
        for (int i = 0; i < conflicts.size(); i++) {
            Conflict c = conflicts.get(i);
            if (i > 0) {
                list.append(", ");
            }
            list.append("{'key': '").append(c.key()).append("', 'old_value': '").append(c.oldValue())
                    .append("', 'new_value': '").append(c.newValue()).append("'}");
        }
        list.append(']');
        return "Changing param values is not allowed. Params were already logged='" + list + "' for run ID='"
                + runId + "'.";
    }

    /** One key whose stored value differs from the value logged again. */
    public record Conflict(String key, String oldValue, String newValue) {}
}
