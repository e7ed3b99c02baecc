-- Metric filters and order read is_nan beside the value (NaN ranks after real values); with it in the index the
-- search reads latest values from the index alone.
DROP INDEX latest_metrics_key_value;
CREATE INDEX latest_metrics_key_value ON latest_metrics (metric_key, metric_value, is_nan);
