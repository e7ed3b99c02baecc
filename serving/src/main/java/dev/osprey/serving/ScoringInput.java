package dev.osprey.serving;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed scoring request: a table (from {@code dataframe_split}, {@code dataframe_records}, records under
 * {@code instances}/{@code inputs}, a dict of columns, or CSV) or a tensor payload (lists under {@code instances} /
 * {@code inputs}), and the inference params.
 */
public record ScoringInput(Optional<Frame> frame, Optional<JsonNode> tensor, Map<String, Object> params) {
    public ScoringInput {
        if (frame.isPresent() == tensor.isPresent()) {
            throw new IllegalArgumentException("A scoring input is a table or a tensor payload.");
        }
        params = Map.copyOf(params);
    }

    public static ScoringInput of(Frame frame, Map<String, Object> params) {
        return new ScoringInput(Optional.of(frame), Optional.empty(), params);
    }

    /** Rows in the request (a tensor's first dimension). */
    public int rows() {
        return frame.map(Frame::size).orElseGet(() -> tensor.get().isArray() ? tensor.get().size() : 1);
    }
}
