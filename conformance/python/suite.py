"""MLflow's own Python client, unmodified, against a running Osprey server.

Each case drives the client through its public API (``mlflow.*``, ``MlflowClient``, ``mlflow.genai.*``) and asserts
what a user would rely on. The client is the judge: a case fails when the client raises or reads back something
other than what it wrote.

    PYTHONPATH=<client site dir> MLFLOW_TRACKING_URI=http://127.0.0.1:5000 python3 suite.py [--areas a,b]

Environment understood besides MLflow's own variables:
    OSPREY_CONFORMANCE_ADMIN  "user:password" of an admin when the server has basic auth on; enables the auth area.
    MLFLOW_WORKSPACE          run every case inside that workspace (created first when it does not exist).
    OSPREY_CONFORMANCE_GATEWAY  set when the server has a gateway KEK and may reach 127.0.0.1: enables the gateway
                              area (a local mock model behind the server's gateway).
    OSPREY_CONFORMANCE_SERVE  the command that runs Osprey's CLI (``java -jar .../osprey.jar``): enables the serving
                              area (without auth or a workspace).

Output: one line per case (``PASS area name`` / ``FAIL area name: reason`` / ``SKIP area name: known gap``), then
one JSON line with the counts per area (also written to ``--json FILE``). Exit status 0 only when no case failed.
"""

import argparse
import json
import math
import os
import sys
import tempfile
import time
import traceback
import uuid

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")

import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402

CASES = []


def case(area):
    def register(fn):
        CASES.append((area, fn.__name__, fn))
        return fn

    return register


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def fresh_experiment():
    name = unique("conf")
    experiment_id = mlflow.create_experiment(name)
    mlflow.set_experiment(experiment_id=experiment_id)
    return experiment_id


# ---------------------------------------------------------------- tracking


@case("tracking")
def run_with_params_metrics_tags():
    experiment_id = fresh_experiment()
    with mlflow.start_run(run_name="first") as run:
        mlflow.log_param("alpha", 0.5)
        mlflow.log_params({"beta": "b", "gamma": 3})
        for step in range(5):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        mlflow.log_metrics({"acc": 0.9, "f1": 0.8})
        mlflow.set_tag("team", "osprey")
    got = MlflowClient().get_run(run.info.run_id)
    expect(got.info.experiment_id == experiment_id, f"experiment {got.info.experiment_id}")
    expect(got.info.run_name == "first", f"run name {got.info.run_name}")
    expect(got.info.status == "FINISHED", f"status {got.info.status}")
    expect(got.data.params == {"alpha": "0.5", "beta": "b", "gamma": "3"}, f"params {got.data.params}")
    expect(got.data.metrics["loss"] == 0.2, f"latest loss {got.data.metrics}")
    expect(got.data.tags["team"] == "osprey", f"tags {got.data.tags}")
    history = MlflowClient().get_metric_history(run.info.run_id, "loss")
    expect([m.step for m in history] == [0, 1, 2, 3, 4], f"history steps {[m.step for m in history]}")


@case("tracking")
def search_runs_filter_and_order():
    experiment_id = fresh_experiment()
    for i in range(6):
        with mlflow.start_run():
            mlflow.log_metric("score", i)
            mlflow.log_param("parity", "even" if i % 2 == 0 else "odd")
    frame = mlflow.search_runs([experiment_id], filter_string="params.parity = 'even' and metrics.score > 0",
                               order_by=["metrics.score DESC"])
    expect(list(frame["metrics.score"]) == [4.0, 2.0], f"scores {list(frame['metrics.score'])}")
    client = MlflowClient()
    page = client.search_runs([experiment_id], max_results=4, order_by=["metrics.score ASC"])
    expect(len(page) == 4 and page.token, "first page of 4 with a token")
    rest = client.search_runs([experiment_id], max_results=4, order_by=["metrics.score ASC"], page_token=page.token)
    expect([r.data.metrics["score"] for r in rest] == [4.0, 5.0], "second page")


@case("tracking")
def experiments_create_rename_delete_restore():
    client = MlflowClient()
    name = unique("exp")
    experiment_id = client.create_experiment(name, tags={"k": "v"})
    expect(client.get_experiment_by_name(name).experiment_id == experiment_id, "get by name")
    client.rename_experiment(experiment_id, name + "-renamed")
    expect(client.get_experiment(experiment_id).name == name + "-renamed", "renamed")
    client.set_experiment_tag(experiment_id, "stage", "dev")
    expect(client.get_experiment(experiment_id).tags["stage"] == "dev", "experiment tag")
    client.delete_experiment(experiment_id)
    expect(client.get_experiment(experiment_id).lifecycle_stage == "deleted", "deleted")
    client.restore_experiment(experiment_id)
    expect(client.get_experiment(experiment_id).lifecycle_stage == "active", "restored")
    found = client.search_experiments(filter_string=f"name = '{name}-renamed'")
    expect([e.experiment_id for e in found] == [experiment_id], "search experiments by name")


@case("tracking")
def log_batch_and_inputs():
    from mlflow.entities import Metric, Param, RunTag

    fresh_experiment()
    client = MlflowClient()
    with mlflow.start_run() as run:
        now = int(time.time() * 1000)
        client.log_batch(run.info.run_id, metrics=[Metric("m", float(i), now, i) for i in range(100)],
                         params=[Param(f"p{i}", str(i)) for i in range(20)], tags=[RunTag("t", "1")])
        import pandas as pd

        dataset = mlflow.data.from_pandas(pd.DataFrame({"x": [1, 2, 3]}), name="tiny")
        mlflow.log_input(dataset, context="training")
    got = client.get_run(run.info.run_id)
    expect(len(got.data.params) == 20 and got.data.metrics["m"] == 99.0, "batch landed")
    expect([d.dataset.name for d in got.inputs.dataset_inputs] == ["tiny"], "dataset input")


@case("tracking")
def param_conflict_is_a_client_error():
    fresh_experiment()
    with mlflow.start_run():
        mlflow.log_param("p", "1")
        try:
            mlflow.log_param("p", "2")
        except mlflow.exceptions.MlflowException as e:
            expect(e.error_code == "INVALID_PARAMETER_VALUE", f"error code {e.error_code}")
        else:
            raise AssertionError("changing a logged param was accepted")


@case("tracking")
def runs_delete_restore_and_lifecycle_filters():
    experiment_id = fresh_experiment()
    client = MlflowClient()
    with mlflow.start_run() as kept:
        pass
    with mlflow.start_run() as gone:
        pass
    client.delete_run(gone.info.run_id)
    active = [r.info.run_id for r in client.search_runs([experiment_id])]
    expect(active == [kept.info.run_id], f"active runs {active}")
    from mlflow.entities import ViewType

    deleted = [r.info.run_id for r in client.search_runs([experiment_id], run_view_type=ViewType.DELETED_ONLY)]
    expect(deleted == [gone.info.run_id], f"deleted runs {deleted}")
    client.restore_run(gone.info.run_id)
    expect(client.get_run(gone.info.run_id).info.lifecycle_stage == "active", "restored")


@case("tracking")
def nested_runs_and_system_tags():
    experiment_id = fresh_experiment()
    with mlflow.start_run(run_name="parent") as parent:
        with mlflow.start_run(run_name="child", nested=True) as child:
            mlflow.log_metric("m", 1)
    got = MlflowClient().get_run(child.info.run_id)
    expect(got.data.tags.get("mlflow.parentRunId") == parent.info.run_id, f"parent tag {got.data.tags}")
    children = mlflow.search_runs([experiment_id], filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'",
                                  output_format="list")
    expect([r.info.run_id for r in children] == [child.info.run_id], "search by parent")


@case("tracking")
def metric_history_bulk_and_steps():
    fresh_experiment()
    client = MlflowClient()
    with mlflow.start_run() as run:
        for step in range(0, 100, 10):
            mlflow.log_metric("acc", step / 100, step=step)
    history = client.get_metric_history(run.info.run_id, "acc")
    expect(len(history) == 10 and history[-1].value == 0.9, f"history {len(history)}")


@case("tracking")
def the_client_reads_the_server_version():
    """The client gates features on /version (OTLP span logging needs 3.4 or later)."""
    from packaging.version import Version

    from mlflow.tracking._tracking_service.utils import _get_store

    store = _get_store()
    version = store._get_server_version(store.get_host_creds())
    expect(version is not None and version >= Version("3.4"), f"server version {version}")


# ---------------------------------------------------------------- artifacts


@case("artifacts")
def log_list_download_through_the_proxy():
    fresh_experiment()
    with mlflow.start_run() as run:
        mlflow.log_text("hello", "notes/hello.txt")
        mlflow.log_dict({"a": 1}, "config/params.json")
        with tempfile.TemporaryDirectory() as d:
            big = os.path.join(d, "big.bin")
            with open(big, "wb") as f:
                f.write(os.urandom(3 * 1024 * 1024))
            mlflow.log_artifact(big, "blobs")
            size = os.path.getsize(big)
    client = MlflowClient()
    top = sorted(f.path for f in client.list_artifacts(run.info.run_id))
    expect(top == ["blobs", "config", "notes"], f"top level {top}")
    expect(mlflow.artifacts.load_text(f"runs:/{run.info.run_id}/notes/hello.txt") == "hello", "text round trip")
    expect(mlflow.artifacts.load_dict(f"runs:/{run.info.run_id}/config/params.json") == {"a": 1}, "dict")
    with tempfile.TemporaryDirectory() as d:
        path = client.download_artifacts(run.info.run_id, "blobs/big.bin", d)
        expect(os.path.getsize(path) == size, "binary size")


@case("artifacts")
def nested_listing_and_whole_directory_download():
    fresh_experiment()
    with mlflow.start_run() as run:
        mlflow.log_text("a", "dir/one.txt")
        mlflow.log_text("b", "dir/sub/two.txt")
    client = MlflowClient()
    nested = sorted((f.path, f.is_dir) for f in client.list_artifacts(run.info.run_id, "dir"))
    expect(nested == [("dir/one.txt", False), ("dir/sub", True)], f"listing {nested}")
    with tempfile.TemporaryDirectory() as d:
        local = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="dir", dst_path=d)
        expect(open(os.path.join(local, "sub", "two.txt")).read() == "b", "nested file downloaded")


# ---------------------------------------------------------------- registry


class Doubler(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return model_input * 2


@case("registry")
def pyfunc_logged_registered_and_loaded_by_alias():
    fresh_experiment()
    name = unique("model")
    import pandas as pd

    with mlflow.start_run():
        info = mlflow.pyfunc.log_model(name="model", python_model=Doubler(), registered_model_name=name,
                                       pip_requirements=["pandas"])
    client = MlflowClient()
    client.set_registered_model_alias(name, "champion", "1")
    model = mlflow.pyfunc.load_model(f"models:/{name}@champion")
    out = model.predict(pd.DataFrame({"x": [1, 2]}))
    expect(list(out["x"]) == [2, 4], f"prediction {out}")
    expect(client.get_model_version_by_alias(name, "champion").version == "1", "alias")
    expect(str(info.registered_model_version) == "1", f"registered version {info.registered_model_version}")


@case("registry")
def latest_alias_names_the_newest_version():
    client = MlflowClient()
    name = unique("model")
    client.create_registered_model(name)
    for _ in range(3):
        client.create_model_version(name, "mlflow-artifacts:/somewhere/model")
    expect(client.get_model_version_by_alias(name, "latest").version == "3", "latest alias")
    client.delete_model_version(name, "3")
    expect(client.get_model_version_by_alias(name, "latest").version == "2", "latest after delete")
    try:
        client.set_registered_model_alias(name, "latest", "1")
    except mlflow.exceptions.MlflowException as e:
        expect(e.error_code == "INVALID_PARAMETER_VALUE", f"reserved alias error {e.error_code}")
    else:
        raise AssertionError("'latest' was accepted as an alias name")


@case("registry")
def versions_tags_stages_search():
    client = MlflowClient()
    name = unique("model")
    client.create_registered_model(name, tags={"owner": "me"}, description="d")
    v1 = client.create_model_version(name, "mlflow-artifacts:/x/1", tags={"k": "v"})
    client.create_model_version(name, "mlflow-artifacts:/x/2")
    client.transition_model_version_stage(name, v1.version, "Production")
    client.update_model_version(name, v1.version, description="first")
    client.set_model_version_tag(name, v1.version, "validated", "yes")
    got = client.get_model_version(name, v1.version)
    expect(got.current_stage == "Production" and got.description == "first", "version fields")
    expect(got.tags == {"k": "v", "validated": "yes"}, f"version tags {got.tags}")
    found = client.search_model_versions(f"name = '{name}'")
    expect(sorted(v.version for v in found) == ["1", "2"], "search versions")
    models = client.search_registered_models(filter_string=f"name LIKE '{name[:12]}%'")
    expect(name in [m.name for m in models], "search models")
    client.rename_registered_model(name, name + "-r")
    expect(client.get_registered_model(name + "-r").tags == {"owner": "me"}, "renamed keeps tags")
    client.delete_registered_model(name + "-r")


@case("registry")
def model_version_search_pages_and_alias_deletion():
    client = MlflowClient()
    name = unique("paged")
    client.create_registered_model(name)
    for i in range(5):
        client.create_model_version(name, f"mlflow-artifacts:/paged/{i}")
    first = client.search_model_versions(f"name = '{name}'", max_results=2)
    expect(len(first) == 2 and first.token, "a page of two with a token")
    seen = [v.version for v in first]
    token = first.token
    while token:
        page = client.search_model_versions(f"name = '{name}'", max_results=2, page_token=token)
        seen += [v.version for v in page]
        token = page.token
    expect(sorted(seen, key=int) == ["1", "2", "3", "4", "5"], f"all versions once {seen}")
    client.set_registered_model_alias(name, "prod", "4")
    expect(client.get_registered_model(name).aliases == {"prod": "4"}, "alias on the model")
    client.delete_registered_model_alias(name, "prod")
    expect(client.get_registered_model(name).aliases == {}, "alias gone")


# ---------------------------------------------------------------- logged models


@case("logged_models")
def initialize_tag_finalize_search():
    experiment_id = fresh_experiment()
    model = mlflow.initialize_logged_model(name="agent", tags={"flavor": "custom"})
    mlflow.set_logged_model_tags(model.model_id, {"stage": "candidate"})
    mlflow.finalize_logged_model(model.model_id, "READY")
    got = mlflow.get_logged_model(model.model_id)
    expect(got.status.to_proto() == got.status.READY.to_proto() if hasattr(got.status, "to_proto") else True,
           "status")
    expect(got.tags.get("stage") == "candidate" and got.tags.get("flavor") == "custom", f"tags {got.tags}")
    found = mlflow.search_logged_models(experiment_ids=[experiment_id], output_format="list")
    expect([m.model_id for m in found] == [model.model_id], "search logged models")


@case("logged_models")
def a_logged_model_links_its_run_and_metrics():
    experiment_id = fresh_experiment()
    with mlflow.start_run() as run:
        info = mlflow.pyfunc.log_model(name="linked", python_model=Doubler(), pip_requirements=["pandas"])
        mlflow.log_metric("accuracy", 0.93, model_id=info.model_id)
    model = mlflow.get_logged_model(info.model_id)
    expect(model.source_run_id == run.info.run_id, f"source run {model.source_run_id}")
    expect([(m.key, m.value) for m in model.metrics] == [("accuracy", 0.93)], f"metrics {model.metrics}")
    found = mlflow.search_logged_models(experiment_ids=[experiment_id], filter_string="name = 'linked'",
                                        output_format="list")
    expect([m.model_id for m in found] == [info.model_id], "search by name")


# ---------------------------------------------------------------- prompts


@case("prompts")
def register_load_alias_latest():
    name = unique("prompt")
    mlflow.genai.register_prompt(name=name, template="Hello {{name}}", commit_message="first")
    mlflow.genai.register_prompt(name=name, template="Hi {{name}}!", commit_message="second")
    latest = mlflow.genai.load_prompt(f"prompts:/{name}@latest")
    expect(latest.version == 2 and latest.format(name="Ann") == "Hi Ann!", f"latest {latest.version}")
    mlflow.genai.set_prompt_alias(name, "production", 1)
    production = mlflow.genai.load_prompt(f"prompts:/{name}@production")
    expect(production.version == 1 and production.format(name="Ann") == "Hello Ann", "alias")
    by_version = mlflow.genai.load_prompt(f"prompts:/{name}/1")
    expect(by_version.commit_message == "first", f"commit message {by_version.commit_message}")


@case("prompts")
def chat_prompt_round_trip():
    name = unique("chat")
    messages = [{"role": "system", "content": "You are {{style}}."}, {"role": "user", "content": "{{question}}"}]
    mlflow.genai.register_prompt(name=name, template=messages)
    prompt = mlflow.genai.load_prompt(f"prompts:/{name}/1")
    expect(prompt.format(style="brief", question="Why?") == [
        {"role": "system", "content": "You are brief."}, {"role": "user", "content": "Why?"}], "chat format")


@case("prompts")
def search_prompts_and_alias_deletion():
    prefix = unique("findme")
    for suffix in ("a", "b"):
        mlflow.genai.register_prompt(name=f"{prefix}-{suffix}", template="T {{x}}")
    found = sorted(p.name for p in mlflow.genai.search_prompts(filter_string=f"name LIKE '{prefix}%'"))
    expect(found == [f"{prefix}-a", f"{prefix}-b"], f"search prompts {found}")
    mlflow.genai.set_prompt_alias(f"{prefix}-a", "staging", 1)
    mlflow.genai.delete_prompt_alias(f"{prefix}-a", "staging")
    try:
        mlflow.genai.load_prompt(f"prompts:/{prefix}-a@staging")
    except mlflow.exceptions.MlflowException:
        pass
    else:
        raise AssertionError("a deleted alias still resolved")


# ---------------------------------------------------------------- tracing


@mlflow.trace(span_type="CHAIN")
def pipeline(question):
    return answer(question).upper()


@mlflow.trace(span_type="LLM")
def answer(question):
    return f"answer to {question}"


def traced_call(question):
    pipeline(question)
    mlflow.flush_trace_async_logging()
    trace_id = mlflow.get_last_active_trace_id()
    return wait_for_trace(trace_id)


def wait_for_trace(trace_id):
    deadline = time.time() + 20
    while True:
        try:
            trace = mlflow.get_trace(trace_id)
            if trace is not None and len(trace.data.spans) >= 2:
                return trace
        except mlflow.exceptions.MlflowException:
            pass
        if time.time() > deadline:
            raise AssertionError(f"trace {trace_id} not readable with its spans within 20 s")
        time.sleep(0.2)


@case("tracing")
def decorated_functions_read_back():
    fresh_experiment()
    trace = traced_call("q1")
    names = sorted(s.name for s in trace.data.spans)
    expect(names == ["answer", "pipeline"], f"spans {names}")
    root = [s for s in trace.data.spans if s.parent_id is None][0]
    expect(root.inputs == {"question": "q1"} and root.outputs == "ANSWER TO Q1", f"root io {root.inputs}")
    expect(trace.info.state.value == "OK", f"state {trace.info.state}")


@case("tracing")
def search_traces_by_tag_and_status():
    experiment_id = fresh_experiment()
    trace = traced_call("q2")
    mlflow.set_trace_tag(trace.info.trace_id, "suite", "conformance")
    found = mlflow.search_traces(locations=[experiment_id], filter_string="tags.suite = 'conformance'",
                                 return_type="list")
    expect([t.info.trace_id for t in found] == [trace.info.trace_id], "search by tag")
    ok = MlflowClient().search_traces(locations=[experiment_id], filter_string="trace.status = 'OK'")
    expect(trace.info.trace_id in [t.info.trace_id for t in ok], "search by status")


@case("tracing")
def trace_metrics_and_filter_correlation_through_the_rest_store():
    # The client's own QueryTraceMetrics call (the MLflow UI's trace charts use the same route).
    from mlflow.entities.trace_metrics import AggregationType, MetricAggregation, MetricViewType
    from mlflow.tracking._tracking_service.utils import _get_store

    experiment_id = fresh_experiment()
    traced_call("m1")
    traced_call("m2")
    points = _get_store().query_trace_metrics(
        experiment_ids=[experiment_id], view_type=MetricViewType.TRACES, metric_name="trace_count",
        aggregations=[MetricAggregation(aggregation_type=AggregationType.COUNT)], dimensions=["trace_name"])
    expect(len(points) == 1, f"one group, got {points}")
    expect(points[0].dimensions == {"trace_name": "pipeline"}, f"dimensions {points[0].dimensions}")
    expect(points[0].values == {"COUNT": 2.0}, f"values {points[0].values}")
    latency = _get_store().query_trace_metrics(
        experiment_ids=[experiment_id], view_type=MetricViewType.SPANS, metric_name="latency",
        aggregations=[MetricAggregation(aggregation_type=AggregationType.PERCENTILE, percentile_value=50.0)],
        dimensions=["span_name"], filters=["span.name = 'answer'"])
    expect([p.dimensions for p in latency] == [{"span_name": "answer"}], f"span groups {latency}")
    expect(set(latency[0].values) == {"P50.0"}, f"percentile label {latency[0].values}")
    both = _get_store().calculate_trace_filter_correlation(
        experiment_ids=[experiment_id], filter_string1="trace.status = 'OK'", filter_string2="trace.name = 'pipeline'")
    expect((both.total_count, both.joint_count) == (2, 2), f"correlation counts {both}")
    expect(both.npmi == 1.0, f"always together: npmi {both.npmi}")
    never = _get_store().calculate_trace_filter_correlation(
        experiment_ids=[experiment_id], filter_string1="trace.status = 'ERROR'", filter_string2="trace.name = 'pipeline'")
    expect(never.filter1_count == 0 and math.isnan(never.npmi), f"no support: npmi {never.npmi}")
    try:
        _get_store().query_trace_metrics(
            experiment_ids=[experiment_id], view_type=MetricViewType.TRACES, metric_name="latency",
            aggregations=[MetricAggregation(aggregation_type=AggregationType.COUNT)])
        expect(False, "COUNT of latency must be refused")
    except mlflow.exceptions.MlflowException as e:
        expect(e.error_code == "INVALID_PARAMETER_VALUE", f"error code {e.error_code}")


@case("tracing")
def manual_spans_and_sessions():
    experiment_id = fresh_experiment()
    with mlflow.start_span(name="turn") as span:
        mlflow.update_current_trace(metadata={"mlflow.trace.session": "s-1", "mlflow.trace.user": "u-1"})
        span.set_inputs({"q": "hi"})
        span.set_outputs({"a": "hello"})
    mlflow.flush_trace_async_logging()
    trace_id = mlflow.get_last_active_trace_id()
    deadline = time.time() + 20
    while True:
        found = mlflow.search_traces(locations=[experiment_id],
                                     filter_string="metadata.`mlflow.trace.session` = 's-1'", return_type="list")
        if found or time.time() > deadline:
            break
        time.sleep(0.2)
    expect([t.info.trace_id for t in found] == [trace_id], "session filter")


@case("tracing")
def search_traces_order_and_page():
    experiment_id = fresh_experiment()
    ids = [traced_call(f"q{i}").info.trace_id for i in range(3)]
    client = MlflowClient()
    page = client.search_traces(locations=[experiment_id], max_results=2, order_by=["timestamp_ms DESC"])
    expect(len(page) == 2 and page.token, f"first page {len(page)}")
    rest = client.search_traces(locations=[experiment_id], max_results=2, order_by=["timestamp_ms DESC"],
                                page_token=page.token)
    got = [t.info.trace_id for t in page] + [t.info.trace_id for t in rest]
    expect(got == list(reversed(ids)), f"newest first {got} vs {ids}")


@case("tracing")
def traces_linked_to_the_active_run():
    fresh_experiment()
    with mlflow.start_run() as run:
        trace = traced_call("in a run")
    found = mlflow.search_traces(run_id=run.info.run_id, return_type="list")
    expect([t.info.trace_id for t in found] == [trace.info.trace_id], "trace found by its run")


# ---------------------------------------------------------------- assessments


@case("assessments")
def feedback_update_override_expectation():
    from mlflow.entities import AssessmentSource, Feedback

    fresh_experiment()
    trace_id = traced_call("q3").info.trace_id
    human = AssessmentSource(source_type="HUMAN", source_id="reviewer@example.com")
    logged = mlflow.log_feedback(trace_id=trace_id, name="correct", value=True, rationale="looks right",
                                 source=human)
    updated = mlflow.update_assessment(trace_id, logged.assessment_id,
                                       Feedback(name="correct", value=False, rationale="on second look"))
    expect(updated.value is False and updated.rationale == "on second look", "update_assessment")
    override = mlflow.override_feedback(trace_id=trace_id, assessment_id=logged.assessment_id, value=True,
                                        rationale="judge was wrong", source=human)
    expect(override.overrides == logged.assessment_id, f"override points at {override.overrides}")
    mlflow.log_expectation(trace_id=trace_id, name="expected_answer", value="ANSWER TO Q3", source=human)
    trace = mlflow.get_trace(trace_id)
    by_name = {}
    for a in trace.info.assessments:
        by_name.setdefault(a.name, []).append(a)
    expect(len(by_name["correct"]) == 2, f"feedback and its override: {len(by_name['correct'])}")
    old = mlflow.get_assessment(trace_id, logged.assessment_id)
    expect(old.valid is False, "the overridden feedback is no longer valid")
    expect(by_name["expected_answer"][0].value == "ANSWER TO Q3", "expectation")
    mlflow.delete_assessment(trace_id, by_name["expected_answer"][0].assessment_id)


@case("assessments")
def issues_linked_to_traces_and_searched():
    # MLflow 3.11's issues through the client's RestStore, traces linked by IssueReference assessments.
    from mlflow.entities.assessment import IssueReference
    from mlflow.entities.issue import IssueSeverity, IssueStatus
    from mlflow.tracking._tracking_service.utils import _get_store

    experiment_id = fresh_experiment()
    store = _get_store()
    issue = store.create_issue(experiment_id=experiment_id, name="Wrong currency", description="Prices in USD",
                               severity=IssueSeverity.HIGH, root_causes=["prompt lacks locale"],
                               categories=["correctness"])
    expect(issue.issue_id.startswith("iss-") and issue.status == IssueStatus.PENDING, f"created {issue}")
    minor = store.create_issue(experiment_id=experiment_id, name="Verbose", description="Too long",
                               severity=IssueSeverity.LOW)
    trace_id = traced_call("q-issue").info.trace_id
    mlflow.log_assessment(trace_id, IssueReference(issue_id=issue.issue_id, issue_name=issue.name))
    linked = [a for a in mlflow.get_trace(trace_id).info.assessments if a.name == issue.issue_id]
    expect(len(linked) == 1, f"the issue assessment reads back: {linked}")
    found = store.search_issues(experiment_id=experiment_id, include_trace_count=True)
    expect([i.name for i in found] == ["Wrong currency", "Verbose"], f"severity order {[i.name for i in found]}")
    expect(found[0].trace_count == 1 and found[1].trace_count == 0, f"trace counts {found}")
    resolved = store.update_issue(issue.issue_id, status=IssueStatus.RESOLVED)
    expect(resolved.status == IssueStatus.RESOLVED and resolved.name == "Wrong currency", f"updated {resolved}")
    expect(store.get_issue(minor.issue_id).severity == IssueSeverity.LOW, "get_issue")
    pending = store.search_issues(experiment_id=experiment_id, filter_string="status = 'pending'")
    expect([i.issue_id for i in pending] == [minor.issue_id], f"filtered {pending}")


# ---------------------------------------------------------------- datasets, scorers, evaluation


@case("datasets")
def create_merge_search():
    from mlflow.genai.datasets import create_dataset, get_dataset, search_datasets

    experiment_id = fresh_experiment()
    name = unique("ds")
    dataset = create_dataset(name=name, experiment_id=[experiment_id], tags={"purpose": "conformance"})
    dataset.merge_records([
        {"inputs": {"question": "2+2?"}, "expectations": {"answer": "4"}},
        {"inputs": {"question": "capital of France?"}, "expectations": {"answer": "Paris"}},
    ])
    again = get_dataset(dataset_id=dataset.dataset_id)
    frame = again.to_df()
    expect(len(frame) == 2, f"records {len(frame)}")
    found = search_datasets(experiment_ids=[experiment_id])
    expect(dataset.dataset_id in [d.dataset_id for d in found], "search datasets")


# ---------------------------------------------------------------- gateway (a server with a gateway KEK)


def start_mock_openai():
    """A local model speaking OpenAI's chat and embeddings wire format: a judge for card numbers, a judge of support
    answers with the reflection model that aligns it, an echo otherwise."""
    import http.server
    import threading

    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
            received.append(body)
            text = json.dumps(body.get("messages", []))
            if self.path.endswith("/embeddings"):
                inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
                vectors = [[float(t.count(c)) for c in "aeiou[!"] + [1.0] for t in inputs]
                answer = json.dumps({"object": "list", "model": body.get("model", ""), "usage": {"prompt_tokens": 1,
                                     "total_tokens": 1}, "data": [{"object": "embedding", "index": i,
                                                                   "embedding": v} for i, v in enumerate(vectors)]})
                self.reply(answer.encode())
                return
            if "Judged examples:" in text:
                content = json.dumps({"guidelines": [{"guideline_text": "Acceptable answers cite a source in square "
                                                                        "brackets.", "source_trace_ids": [0]}]})
            elif "is acceptable" in text:
                answer_line = body["messages"][-1]["content"].split("Answer: ", 1)[-1].split("\n", 1)[0]
                ok = "square brackets" not in text or "[" in answer_line
                content = json.dumps({"result": "yes" if ok else "no", "rationale": "checked"})
            elif "free of card numbers" in text:
                verdict = "no" if "4111" in text else "yes"
                content = json.dumps({"result": verdict, "rationale": "card number" if verdict == "no" else "clean"})
            else:
                content = "echo: " + body["messages"][-1]["content"]
            answer = json.dumps({"id": "c", "object": "chat.completion", "model": body.get("model", ""),
                                 "choices": [{"index": 0, "finish_reason": "stop",
                                              "message": {"role": "assistant", "content": content}}],
                                 "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10}}).encode()
            self.reply(answer)

        def reply(self, answer):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}", received


@case("gateway")
def a_guardrail_refuses_a_card_number_before_the_model_sees_it():
    # The client's own gateway and guardrail RPCs (RestStore), a make_judge scorer on the guarded endpoint.
    from mlflow.entities.gateway_endpoint import GatewayEndpointModelConfig, GatewayModelLinkageType
    from mlflow.entities.gateway_guardrail import GuardrailAction, GuardrailStage
    from mlflow.genai.judges import make_judge
    from mlflow.tracking._tracking_service.utils import _get_store
    from mlflow.utils.rest_utils import http_request

    mock, url, received = start_mock_openai()
    try:
        store = _get_store()
        experiment_id = fresh_experiment()
        secret = store.create_gateway_secret(secret_name=unique("key"), secret_value={"api_key": "sk-conformance"},
                                             provider="openai", auth_config={"api_base": url + "/v1"})
        model = store.create_gateway_model_definition(name=unique("model"), secret_id=secret.secret_id,
                                                      provider="openai", model_name="gpt-conformance")
        endpoint = store.create_gateway_endpoint(name=unique("guarded"), model_configs=[GatewayEndpointModelConfig(
            model_definition_id=model.model_definition_id, linkage_type=GatewayModelLinkageType.PRIMARY)])
        judge = make_judge(name="no_cards", instructions="Is {{ inputs }} free of card numbers?",
                           model=f"gateway:/{endpoint.name}")
        version = store.register_scorer(experiment_id, "no_cards", json.dumps(judge.model_dump()))
        guardrail = store.create_gateway_guardrail(name="no-cards", scorer_id=version.scorer_id,
                                                   scorer_version=version.scorer_version,
                                                   stage=GuardrailStage.BEFORE, action=GuardrailAction.VALIDATION)
        expect(guardrail.scorer.scorer_name == "no_cards", f"guardrail scorer {guardrail.scorer}")
        store.add_guardrail_to_endpoint(endpoint.endpoint_id, guardrail.guardrail_id)
        configs = store.list_endpoint_guardrail_configs(endpoint.endpoint_id)
        expect([c.guardrail_id for c in configs] == [guardrail.guardrail_id], f"configs {configs}")

        def chat(text):
            return http_request(store.get_host_creds(), "/gateway/mlflow/v1/chat/completions", "POST",
                                json={"model": endpoint.name, "messages": [{"role": "user", "content": text}]})

        fine = chat("hello")
        expect(fine.status_code == 200, f"clean call: {fine.status_code} {fine.text}")
        expect(fine.json()["choices"][0]["message"]["content"] == "echo: hello", f"answer {fine.text}")
        leaky = "my card is 4111 1111 1111 1111"
        refused = chat(leaky)
        expect(refused.status_code == 400, f"refused call: {refused.status_code} {refused.text}")
        expect("Guardrail 'no-cards' blocked" in refused.json().get("detail", ""), f"detail {refused.text}")
        expect(not any(b["messages"][-1]["content"] == leaky for b in received), "the model never saw the card")
        store.remove_guardrail_from_endpoint(endpoint.endpoint_id, guardrail.guardrail_id)
        expect(chat(leaky).status_code == 200, "detached: the call goes through")
    finally:
        mock.shutdown()


def gateway_endpoint(store, url):
    """A gateway endpoint of this server in front of the local mock model."""
    from mlflow.entities.gateway_endpoint import GatewayEndpointModelConfig, GatewayModelLinkageType

    secret = store.create_gateway_secret(secret_name=unique("key"), secret_value={"api_key": "sk-conformance"},
                                         provider="openai", auth_config={"api_base": url + "/v1"})
    model = store.create_gateway_model_definition(name=unique("model"), secret_id=secret.secret_id,
                                                  provider="openai", model_name="gpt-conformance")
    return store.create_gateway_endpoint(name=unique("llm"), model_configs=[GatewayEndpointModelConfig(
        model_definition_id=model.model_definition_id, linkage_type=GatewayModelLinkageType.PRIMARY)])


def without_dspy():
    """MLflow's MemAlign module imports DSPy, which this workplace cannot install; the serialized form needs none of
    it. Empty stand-ins let MLflow's own classes load, write and read the form (nothing of DSPy is called)."""
    import types

    class _Stand(types.ModuleType):
        def __getattr__(self, name):
            if name.startswith("__"):
                raise AttributeError(name)
            return type(name, (), {"__init__": lambda self, *a, **k: None})

    for name in ["dspy", "dspy.retrievers", "dspy.adapters", "dspy.adapters.json_adapter", "dspy.teleprompt"]:
        sys.modules.setdefault(name, _Stand(name))


@case("gateway")
def memalign_judges_cross_between_mlflow_and_osprey():
    # MLflow's MemoryAugmentedJudge writes its form and Osprey runs it with its memories; Osprey aligns a judge and
    # MLflow's Scorer.model_validate reads the aligned judge back.
    from mlflow.entities import AssessmentSource, AssessmentSourceType
    from mlflow.genai.judges import make_judge
    from mlflow.genai.scorers import get_scorer
    from mlflow.tracking._tracking_service.utils import _get_store
    from mlflow.utils.rest_utils import http_request

    without_dspy()
    from mlflow.genai.judges.optimizers.memalign.optimizer import MemoryAugmentedJudge
    from mlflow.genai.judges.optimizers.memalign.utils import Guideline

    mock, url, _ = start_mock_openai()
    try:
        store = _get_store()
        experiment_id = fresh_experiment()
        mlflow.set_experiment(experiment_id=experiment_id)
        endpoint = gateway_endpoint(store, url)

        @mlflow.trace
        def support(question):
            return answers[question]

        answers = {"refunds?": "See the policy [help/refunds]", "shipping?": "It ships soon",
                   "returns?": "Read [help/returns]", "billing?": "Billing is monthly", "new one?": "Just ask us"}
        traces = {}
        for q in answers:
            support(q)
            traces[q] = mlflow.get_last_active_trace_id()
        mlflow.flush_trace_async_logging()
        for q in ["refunds?", "shipping?", "returns?", "billing?"]:
            mlflow.log_feedback(trace_id=traces[q], name="style", value="[" in answers[q], rationale="house style",
                                source=AssessmentSource(source_type=AssessmentSourceType.HUMAN, source_id="lead"))

        base = make_judge(name="style", instructions="Decide if the support answer is acceptable.\n"
                          "Question: {{ inputs }}\nAnswer: {{ outputs }}", model=f"gateway:/{endpoint.name}",
                          feedback_value_type=bool)
        written = MemoryAugmentedJudge(base_judge=base, reflection_lm=f"gateway:/{endpoint.name}", retrieval_k=2,
                                       embedding_model=f"gateway:/{endpoint.name}", embedding_dim=8,
                                       _defer_init=True)
        written._semantic_memory = [Guideline(guideline_text="Acceptable answers cite a source in square brackets.",
                                              source_trace_ids=[traces["shipping?"]])]
        written._episodic_trace_ids = [traces["refunds?"], traces["shipping?"]]
        invoke = http_request(store.get_host_creds(), "/ajax-api/3.0/mlflow/scorer/invoke", "POST", json={
            "experiment_id": experiment_id, "serialized_scorer": json.dumps(written.model_dump()),
            "trace_ids": [traces["new one?"]], "log_assessments": False})
        expect(invoke.status_code == 200, f"invoke {invoke.status_code} {invoke.text}")
        job_id = invoke.json()["jobs"][0]["job_id"]
        for _ in range(200):
            job = http_request(store.get_host_creds(), f"/ajax-api/3.0/jobs/{job_id}", "GET").json()
            if job["status"] not in ("PENDING", "RUNNING"):
                break
            time.sleep(0.1)
        verdict = job["result"][traces["new one?"]]["assessments"][0]["feedback"].get("value", job)
        expect(verdict == "no", f"MLflow's aligned judge, run by Osprey with its guideline: {job}")

        store.register_scorer(experiment_id, "style", json.dumps(base.model_dump()))
        started = http_request(store.get_host_creds(), "/api/3.0/osprey/scorers/align", "POST", json={
            "experiment_id": experiment_id, "name": "style", "holdout_fraction": 0, "register": True,
            "optimizer": {"type": "memalign", "embedding_model": f"gateway:/{endpoint.name}", "embedding_dim": 8}})
        expect(started.status_code == 200, f"align {started.status_code} {started.text}")
        align_id = started.json()["job"]["job_id"]
        for _ in range(200):
            job = http_request(store.get_host_creds(), f"/api/3.0/osprey/scorers/align/{align_id}", "GET").json()["job"]
            if job["status"] not in ("PENDING", "RUNNING"):
                break
            time.sleep(0.1)
        expect(job["status"] == "SUCCEEDED" and job["result"]["registered_version"] == 2, f"alignment {job}")
        aligned = get_scorer(name="style", experiment_id=experiment_id)
        expect(isinstance(aligned, MemoryAugmentedJudge), f"MLflow reads Osprey's aligned judge: {type(aligned)}")
        expect("square brackets" in aligned.instructions, f"guidelines {aligned.instructions}")
        expect(sorted(aligned._episodic_trace_ids) == sorted(traces[q] for q in ["refunds?", "shipping?",
                                                                               "returns?", "billing?"]),
               f"episodic memory {aligned._episodic_trace_ids}")
    finally:
        mock.shutdown()


@case("scorers")
def make_judge_registered_listed_fetched():
    from mlflow.genai.judges import make_judge
    from mlflow.genai.scorers import get_scorer, list_scorers

    experiment_id = fresh_experiment()
    judge = make_judge(name="politeness", instructions="Is the answer in {{ outputs }} polite?",
                       model="openai:/gpt-4o-mini", feedback_value_type=bool)
    registered = judge.register(experiment_id=experiment_id)
    expect(registered.name == "politeness", "registered name")
    names = [s.name for s in list_scorers(experiment_id=experiment_id)]
    expect(names == ["politeness"], f"listed {names}")
    fetched = get_scorer(name="politeness", experiment_id=experiment_id)
    expect("polite" in fetched.instructions, "instructions round trip")


@case("evaluate")
def evaluate_with_code_scorers():
    from mlflow.genai.scorers import scorer

    fresh_experiment()

    @scorer
    def exact(outputs, expectations):
        return outputs == expectations["answer"]

    data = [{"inputs": {"question": "q"}, "expectations": {"answer": "answer to q"}},
            {"inputs": {"question": "r"}, "expectations": {"answer": "wrong"}}]
    result = mlflow.genai.evaluate(data=data, predict_fn=lambda question: answer(question), scorers=[exact])
    expect(abs(result.metrics["exact/mean"] - 0.5) < 1e-9, f"metrics {result.metrics}")
    traces = mlflow.search_traces(run_id=result.run_id, return_type="list")
    expect(len(traces) == 2, f"evaluation traces {len(traces)}")


# ---------------------------------------------------------------- auth


@case("auth")
def api_token_works_where_the_password_does():
    import requests

    admin = os.environ["OSPREY_CONFORMANCE_ADMIN"].split(":", 1)
    base = mlflow.get_tracking_uri().rstrip("/")
    reply = requests.post(f"{base}/api/2.0/osprey/tokens/create", json={"name": unique("token")},
                          auth=(admin[0], admin[1]), timeout=10)
    expect(reply.status_code == 200, f"token create {reply.status_code} {reply.text}")
    saved = {k: os.environ.pop(k, None) for k in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD")}
    os.environ["MLFLOW_TRACKING_TOKEN"] = reply.json()["secret"]
    try:
        experiment_id = MlflowClient().create_experiment(unique("token-exp"))
        expect(MlflowClient().get_experiment(experiment_id).experiment_id == experiment_id, "token read back")
    finally:
        os.environ.pop("MLFLOW_TRACKING_TOKEN", None)
        os.environ.update({k: v for k, v in saved.items() if v is not None})


@case("auth")
def wrong_password_is_refused():
    saved = os.environ.get("MLFLOW_TRACKING_PASSWORD")
    os.environ["MLFLOW_TRACKING_PASSWORD"] = "not-the-password"
    try:
        MlflowClient().search_experiments(max_results=1)
    except mlflow.exceptions.MlflowException as e:
        expect("401" in str(e) or "Unauthorized" in str(e) or "UNAUTHENTICATED" in str(e), f"refusal {e}")
    else:
        raise AssertionError("a wrong password was accepted")
    finally:
        if saved is None:
            os.environ.pop("MLFLOW_TRACKING_PASSWORD", None)
        else:
            os.environ["MLFLOW_TRACKING_PASSWORD"] = saved


# ---------------------------------------------------------------- workspaces


@case("workspaces")
def experiments_stay_in_their_workspace():
    workspace = os.environ["MLFLOW_WORKSPACE"]
    client = MlflowClient()
    name = unique("ws-exp")
    experiment_id = client.create_experiment(name)
    expect(client.get_experiment(experiment_id).name == name, "visible in its workspace")
    mlflow.set_workspace("default")
    try:
        try:
            client.get_experiment(experiment_id)
        except mlflow.exceptions.MlflowException as e:
            expect(e.error_code == "RESOURCE_DOES_NOT_EXIST", f"from default: {e.error_code}")
        else:
            raise AssertionError(f"an experiment of workspace {workspace} was visible from default")
    finally:
        mlflow.set_workspace(workspace)


@case("workspaces")
def same_names_in_two_workspaces_stay_apart():
    """Names are unique per workspace (MLflow 3.5): two teams use the same experiment, model and prompt names."""
    home = os.environ["MLFLOW_WORKSPACE"]
    client = MlflowClient()
    mlflow.set_workspace("default")
    twin = unique("twin")
    client.create_workspace(twin, description="the same names as " + home)
    exp_name, model, prompt = unique("churn"), unique("ranker"), unique("greeting")
    made = {}
    try:
        for ws in (home, twin):
            mlflow.set_workspace(ws)
            experiment_id = client.create_experiment(exp_name)
            client.create_registered_model(model, description=ws)
            for n in (1, 2):
                client.create_model_version(model, f"mlflow-artifacts:/{ws}/model/{n}")
            client.set_registered_model_alias(model, "champion", "1" if ws == home else "2")
            mlflow.genai.register_prompt(name=prompt, template="Hello from " + ws + ", {{name}}")
            made[ws] = experiment_id
        expect(made[home] != made[twin], "two experiments")
        for ws in (home, twin):
            mlflow.set_workspace(ws)
            expect(client.get_experiment_by_name(exp_name).experiment_id == made[ws], f"by name in {ws}")
            expect(client.get_registered_model(model).description == ws, f"model description in {ws}")
            champion = client.get_model_version_by_alias(model, "champion")
            expect(champion.source.startswith(f"mlflow-artifacts:/{ws}/"), f"champion in {ws}: {champion.source}")
            loaded = mlflow.genai.load_prompt(f"prompts:/{prompt}/1", cache_ttl_seconds=0)
            expect(loaded.format(name="Ann") == f"Hello from {ws}, Ann", f"prompt in {ws}: {loaded.template}")
            expect([m.name for m in client.search_registered_models(f"name = '{model}'")] == [model],
                   f"one {model} in {ws}")
        # Deleting the twin's leaves the home workspace's whole; a name free in default stays free.
        mlflow.set_workspace(twin)
        client.delete_registered_model(model)
        client.delete_experiment(made[twin])
        mlflow.set_workspace(home)
        expect(client.get_model_version(model, "2").source == f"mlflow-artifacts:/{home}/model/2", "home's model")
        expect(client.get_experiment(made[home]).lifecycle_stage == "active", "home's experiment")
        mlflow.set_workspace("default")
        expect(client.get_experiment_by_name(exp_name) is None, "not in default")
    finally:
        mlflow.set_workspace("default")
        client.delete_workspace(twin, mode="CASCADE")
        mlflow.set_workspace(home)


# ---------------------------------------------------------------- runner


# ---------------------------------------------------------------- serving


def _pb_varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _pb(field, value):
    """One protobuf field: an int (varint), or bytes/str (length-delimited)."""
    if isinstance(value, int):
        return _pb_varint(field << 3) + _pb_varint(value)
    data = value.encode() if isinstance(value, str) else value
    return _pb_varint((field << 3) | 2) + _pb_varint(len(data)) + data


def linear_onnx():
    """ONNX bytes of output = input x W + B (input float [batch, 3], output float [batch, 2]), written by hand:
    Debian has no onnxruntime, which mlflow.onnx.save_model imports."""
    import struct

    def tensor(name, dims, values):
        return b"".join(_pb(1, d) for d in dims) + _pb(2, 1) + _pb(8, name) + _pb(9, struct.pack(f"<{len(values)}f", *values))

    def value_info(name, width):
        shape = _pb(1, _pb(2, "batch")) + _pb(1, _pb(1, width))
        return _pb(1, name) + _pb(2, _pb(1, _pb(1, 1) + _pb(2, shape)))

    graph = (_pb(1, _pb(1, "input") + _pb(1, "W") + _pb(2, "xw") + _pb(3, "matmul") + _pb(4, "MatMul"))
             + _pb(1, _pb(1, "xw") + _pb(1, "B") + _pb(2, "output") + _pb(3, "add") + _pb(4, "Add"))
             + _pb(2, "linear")
             + _pb(5, tensor("W", [3, 2], [1, 0, 0, 1, 1, 1]))
             + _pb(5, tensor("B", [2], [0.5, -1]))
             + _pb(11, value_info("input", 3)) + _pb(12, value_info("output", 2)))
    return _pb(1, 8) + _pb(2, "conformance") + _pb(7, graph) + _pb(8, _pb(1, "") + _pb(2, 13))


@case("serving")
def an_onnx_model_logged_by_the_client_is_served_by_osprey():
    """An mlflow.onnx-layout model (MLmodel written by MLflow's own Model class) logged and registered by the client,
    served by `osprey models serve` from models:/name@alias and scored by MLflow's own ScoringServerClient; then the
    same model as an MLflow 3 logged model registered from models:/m-..."""
    import socket
    import subprocess
    import urllib.request

    import numpy as np
    from mlflow.models import Model
    from mlflow.models.signature import ModelSignature
    from mlflow.pyfunc.scoring_server.client import ScoringServerClient
    from mlflow.types.schema import Schema, TensorSpec

    fresh_experiment()
    model_dir = os.path.join(tempfile.mkdtemp(), "model")
    os.makedirs(model_dir)
    with open(os.path.join(model_dir, "model.onnx"), "wb") as f:
        f.write(linear_onnx())
    m = Model(artifact_path="model")
    m.add_flavor("onnx", onnx_version="1.17.0", data="model.onnx", providers=["CPUExecutionProvider"], code=None)
    mlflow.pyfunc.add_to_model(m, loader_module="mlflow.onnx", data="model.onnx")
    m.signature = ModelSignature(inputs=Schema([TensorSpec(np.dtype(np.float32), (-1, 3))]),
                                 outputs=Schema([TensorSpec(np.dtype(np.float32), (-1, 2))]))
    m.save(os.path.join(model_dir, "MLmodel"))
    name = unique("onnx")
    with mlflow.start_run() as run:
        mlflow.log_artifacts(model_dir, "model")
    version = mlflow.register_model(f"runs:/{run.info.run_id}/model", name)
    MlflowClient().set_registered_model_alias(name, "live", version.version)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tempfile.NamedTemporaryFile(prefix="serve", suffix=".log", delete=False)
    command = os.environ["OSPREY_CONFORMANCE_SERVE"].split() + [
        "models", "serve", "-m", f"models:/{name}@live", "--port", str(port),
        "--tracking-uri", os.environ["MLFLOW_TRACKING_URI"]]
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        scoring = ScoringServerClient("127.0.0.1", port)
        try:
            scoring.wait_server_ready(timeout=90, scoring_server_proc=proc)
        except RuntimeError:
            raise AssertionError("osprey models serve did not start: " + open(log.name).read()[-2000:])
        out = scoring.invoke(np.array([[1, 2, 3], [0, 0, 0]], dtype=np.float32)).get_predictions()
        expect(np.allclose(np.array(out["output"].tolist(), dtype=float), [[4.5, 4.0], [0.5, -1.0]]),
               f"predictions {out}")

        def post(body):
            request = urllib.request.Request(f"http://127.0.0.1:{port}/invocations", data=json.dumps(body).encode(),
                                             headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request) as r:
                    return r.status, json.loads(r.read())
            except urllib.error.HTTPError as e:
                return e.code, json.loads(e.read())

        status, answer = post({"dataframe_split": {"columns": ["a", "b", "c"], "data": [[1, 1, 1]]}})
        expect(status == 200 and answer["predictions"] == [{"output": 2.5}, {"output": 1.0}], f"table {answer}")
        status, error = post({"inputs": [[1, 2]]})
        expect(status == 400 and error["error_code"] == "INVALID_PARAMETER_VALUE", f"wrong width {status} {error}")
        expect(scoring.get_version().strip() != "", "version")
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    # MLflow 3's way: the model is a logged model of its own, the version's source is models:/m-...
    client = MlflowClient()
    logged = client.create_logged_model(run.info.experiment_id, name="onnx-logged")
    client.log_model_artifacts(logged.model_id, model_dir)
    client.finalize_logged_model(logged.model_id, "READY")
    second = unique("onnx3")
    registered = mlflow.register_model(f"models:/{logged.model_id}", second)
    expect(registered.source == f"models:/{logged.model_id}", f"source {registered.source}")
    command[command.index("-m") + 1] = f"models:/{second}/{registered.version}"
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        try:
            scoring.wait_server_ready(timeout=90, scoring_server_proc=proc)
        except RuntimeError:
            raise AssertionError("osprey models serve did not start: " + open(log.name).read()[-2000:])
        out = scoring.invoke(np.array([[1, 1, 1]], dtype=np.float32)).get_predictions()
        expect(np.allclose(np.array(out["output"].tolist(), dtype=float), [[2.5, 1.0]]), f"logged model {out}")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def known_gaps():
    """Areas this server does not serve yet in the current setup, with the reason; reported, never counted as
    passing."""
    return {}


def areas_available():
    areas = {a for a, _, _ in CASES}
    if not os.environ.get("OSPREY_CONFORMANCE_ADMIN"):
        areas.discard("auth")
    if not os.environ.get("MLFLOW_WORKSPACE"):
        areas.discard("workspaces")
    if not os.environ.get("OSPREY_CONFORMANCE_GATEWAY"):
        areas.discard("gateway")
    # Serving starts `osprey models serve`, which downloads the model without credentials or a workspace.
    if (not os.environ.get("OSPREY_CONFORMANCE_SERVE") or os.environ.get("MLFLOW_TRACKING_USERNAME")
            or os.environ.get("MLFLOW_WORKSPACE")):
        areas.discard("serving")
    return areas


def prepare_workspace():
    workspace = os.environ.get("MLFLOW_WORKSPACE")
    if not workspace:
        return
    client = MlflowClient()
    mlflow.set_workspace("default")
    if workspace not in [w.name for w in client.list_workspaces()]:
        client.create_workspace(workspace, description="conformance suite")
    mlflow.set_workspace(workspace)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--areas", default="", help="comma-separated areas (default: every available one)")
    parser.add_argument("--json", default="", help="also write the counts to this file")
    args = parser.parse_args()
    wanted = set(filter(None, args.areas.split(","))) or areas_available()
    gaps = known_gaps()
    prepare_workspace()
    counts = {}
    skipped = {}
    failed = 0
    for area, name, fn in CASES:
        if area not in wanted:
            continue
        if area in gaps:
            print(f"SKIP {area} {name}: {gaps[area]}", flush=True)
            skipped[area] = skipped.get(area, 0) + 1
            continue
        total, passed = counts.get(area, (0, 0))
        started = time.time()
        try:
            fn()
            passed += 1
            print(f"PASS {area} {name} ({time.time() - started:.1f} s)", flush=True)
        except Exception as e:  # noqa: BLE001 - any failure of the client is a finding
            failed += 1
            print(f"FAIL {area} {name}: {type(e).__name__}: {e}", flush=True)
            traceback.print_exc(file=sys.stdout)
        counts[area] = (total + 1, passed)
    summary = json.dumps({"areas": {a: {"cases": t, "passed": p} for a, (t, p) in sorted(counts.items())},
                          "skipped": skipped, "failed": failed})
    print(summary, flush=True)
    if args.json:
        with open(args.json, "w") as f:
            f.write(summary)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
