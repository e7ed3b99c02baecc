-- Trace search orders newest first with the trace id as tie-break (request_time DESC, trace_id ASC). Reading
-- (experiment_id, request_time) backwards yields trace_id DESC on ties, so MariaDB sorted every trace of the
-- experiment before taking a page (TRC-2: ~50 ms at 100k traces). This index holds the rows in the searched order.
CREATE INDEX traces_experiment_recent ON traces (experiment_id, request_time DESC, trace_id);
