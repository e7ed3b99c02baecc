-- The cost of each span's model call (USD), summed into the trace's mlflow.trace.cost metadata.
ALTER TABLE spans ADD COLUMN input_cost DOUBLE, ADD COLUMN output_cost DOUBLE, ADD COLUMN total_cost DOUBLE;
