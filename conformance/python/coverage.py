"""Which of MLflow's server routes a running Osprey serves, measured.

The route list is MLflow's own, read from the bundled client's source (3.11): every rule of its Flask app (the
protobuf services of service.proto, model_registry.proto, mlflow_artifacts.proto and webhooks.proto, GraphQL, the
UI's ajax-only handlers, server-info, gateway and job routes) and every route of its FastAPI app (OTLP, jobs, the
gateway's invocation routes, the assistant). Each (method, path) is sent to the server with placeholder path values
and an empty JSON body; it counts as served unless the answer is Osprey's "no such endpoint" (404
ENDPOINT_NOT_FOUND) or 405. A 5xx is reported as a failure of its own. Probe a server with every optional feature
on (workspaces, a gateway key), so that a feature switched off is not mistaken for a missing route.

    PYTHONPATH=<client site dir> MLFLOW_TRACKING_URI=http://127.0.0.1:5000 python3 coverage.py [--markdown FILE]
        [--json FILE]
"""

import argparse
import json
import os
import re
import sys

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

import requests  # noqa: E402

# Routes left out on purpose, with the reason shown in the table.
DELIBERATE = {
    "/ajax-api/3.0/mlflow/assistant/": "MLflow's local coding assistant drives a Claude Code CLI on the server's machine; "
                                       "not a tracking-server feature Osprey offers",
    "/static-files/": "MLflow's UI bundle; Osprey serves its own UI at the same prefix",
    "/ajax-api/3.0/mlflow/demo/": "MLflow's demo-data generator for its UI",
    "/api/2.0mlflow/": "MLflow registers this path without its slash by mistake; the intended path is served",
    "/ajax-api/2.0mlflow/": "MLflow registers this path without its slash by mistake; the intended path is served",
    "/api/2.0/mlflow/unified-traces": "Databricks-only RPC: MLflow's own server answers it 404 (_not_implemented)",
    "/ajax-api/2.0/mlflow/unified-traces": "Databricks-only RPC: MLflow's own server answers it 404 (_not_implemented)",
    "/api/2.0/mlflow/get-online-trace-details": "Databricks-only RPC: MLflow's own server answers it 404",
    "/ajax-api/2.0/mlflow/get-online-trace-details": "Databricks-only RPC: MLflow's own server answers it 404",
    "/ajax-api/2.0/mlflow/runs/create-promptlab-run": "MLflow 2's prompt lab: the run it creates holds a Python "
                                                      "pyfunc model that only MLflow's Python code writes",
}
# Paths whose answer is a page or a file, not an API: served when they answer 200.
PAGES = ("/", "/static-files/<path:path>", "/favicon.ico")


def mlflow_routes():
    """(method, path) for every route MLflow's server (Flask + FastAPI) answers."""
    from mlflow.server import app
    from mlflow.server.fastapi_app import create_fastapi_app

    routes = set()
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method, rule.rule))
    for route in create_fastapi_app(app).routes:
        path = getattr(route, "path", None)
        if not path or path.startswith(("/docs", "/openapi", "/redoc")) or not getattr(route, "methods", None):
            continue
        for method in route.methods - {"HEAD", "OPTIONS"}:
            routes.add((method, path))
    return sorted(routes, key=lambda r: (r[1], r[0]))


def concrete(path):
    """A path with placeholder values for its parameters (Flask's <x> and <path:x>, FastAPI's {x})."""
    path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", "x", path)
    return re.sub(r"\{[a-z_]+(?::[a-z]+)?\}", "x", path)


def area(path):
    p = re.sub(r"^/(ajax-)?api/[0-9.]+/", "/", path)
    parts = [s for s in p.split("/") if s]
    if not parts:
        return "ui"
    if parts[0] == "mlflow" and len(parts) > 1:
        return parts[1]
    return parts[0]


def probe(base, method, path):
    url = base + concrete(path)
    body = None if method == "GET" else "{}"
    try:
        reply = requests.request(method, url, data=body, headers={"Content-Type": "application/json"}, timeout=15,
                                 allow_redirects=False)
    except requests.RequestException as e:
        return "error", f"{type(e).__name__}"
    code = ""
    try:
        code = reply.json().get("error_code", "")
    except ValueError:
        pass
    if reply.status_code == 405 or (reply.status_code == 404 and code == "ENDPOINT_NOT_FOUND"):
        return "not served", ""
    if reply.status_code == 501 and code == "NOT_IMPLEMENTED":
        # MLflow's own answer where the storage cannot do it (presigned URLs on a local artifact root).
        return "served", "501 NOT_IMPLEMENTED for this storage"
    if reply.status_code >= 500:
        return "error", f"{reply.status_code}"
    if path in PAGES and reply.status_code != 200:
        return "not served", f"{reply.status_code}"
    return "served", f"{reply.status_code}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--markdown", default="", help="write the coverage table here")
    parser.add_argument("--json", default="", help="write the counts here")
    args = parser.parse_args()
    base = os.environ["MLFLOW_TRACKING_URI"].rstrip("/")
    rows = []
    counts = {"served": 0, "not served": 0, "deliberately different": 0, "error": 0}
    for method, path in mlflow_routes():
        reason = next((why for prefix, why in DELIBERATE.items() if path.startswith(prefix)), "")
        status, detail = probe(base, method, path)
        if status != "served" and reason:
            status = "deliberately different"
        counts[status] += 1
        rows.append((area(path), method, path, status, reason or detail))
    total = sum(counts.values())
    measured = total - counts["deliberately different"]
    fraction = counts["served"] / measured if measured else 0.0
    summary = {"routes": total, **counts, "served_fraction": round(fraction, 4)}
    print(json.dumps(summary))
    for r in rows:
        if r[3] not in ("served",):
            print(f"{r[3]:>24}  {r[1]:6} {r[2]}  {r[4]}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("# MLflow API coverage\n\n")
            f.write("Measured by `conformance/python/coverage.py` (run by `ITMlflowClients`): every route of MLflow "
                    "3.11's server (its Flask app's rules and its FastAPI routes, read from the bundled client's "
                    "source) sent to the jar with placeholder path values and an empty body. A route is *served* "
                    "unless Osprey answers 404 ENDPOINT_NOT_FOUND or 405; the status in the last column is what "
                    "the probe got (400 and 404 RESOURCE_DOES_NOT_EXIST are the handler's answers to placeholder "
                    "input). Do not edit by hand.\n\n")
            f.write(f"**{counts['served']} of {measured} routes served ({fraction:.1%})**; "
                    f"{counts['deliberately different']} deliberately different, {counts['not served']} not served, "
                    f"{counts['error']} answering 5xx to placeholder input.\n\n")
            f.write("| area | method | path | status | note |\n|---|---|---|---|---|\n")
            for a, method, path, status, note in sorted(rows):
                f.write(f"| {a} | {method} | `{path}` | {status} | {note} |\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
