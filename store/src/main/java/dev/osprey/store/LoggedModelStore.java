package dev.osprey.store;

import dev.osprey.core.LoggedModel;
import dev.osprey.core.LoggedModelStatus;
import dev.osprey.core.Page;
import dev.osprey.core.Param;
import dev.osprey.core.Tag;
import java.util.List;
import java.util.Optional;

/**
 * MLflow 3 logged models in the tracking backend. Unknown ids, and deleted ones unless asked for, are
 * {@code RESOURCE_DOES_NOT_EXIST} "Logged model with ID '<id>' not found."; creating one in a deleted experiment is
 * {@code INVALID_PARAMETER_VALUE}.
 */
public interface LoggedModelStore {

    /** Creates a PENDING model; its artifact location is {@code <experiment location>/models/<id>/artifacts}. */
    LoggedModel create(NewLoggedModel model);

    Optional<LoggedModel> get(String modelId, boolean allowDeleted);

    /** Sets the final status (READY or UPLOAD_FAILED). */
    LoggedModel finalizeModel(String modelId, LoggedModelStatus status, long now);

    /** Soft delete: hidden from get (unless allowed) and from search. */
    void delete(String modelId, long now);

    void setTags(String modelId, List<Tag> tags, long now);

    /** A missing key is not an error. */
    void deleteTag(String modelId, String key);

    /** Same key and value again is a no-op; a different value for a logged key is INVALID_PARAMETER_VALUE. */
    void logParams(String modelId, List<Param> params);

    Page<LoggedModel> search(LoggedModelQuery query);
}
