"""Compares two tables written by coverage.py: the routes whose probe answered a different status.

Run coverage.py once against MLflow's own server and once against Osprey, then compare:

    (cd /tmp/m && PYTHONPATH=<client site dir> python3 -m mlflow server --port 5099 \\
        --backend-store-uri sqlite:////tmp/m/m.db --default-artifact-root /tmp/m/a) &
    PYTHONPATH=<client site dir> MLFLOW_TRACKING_URI=http://127.0.0.1:5099 python3 coverage.py --markdown mlflow.md
    python3 compare_coverage.py mlflow.md ../../docs/api-coverage.md

Both answer the same placeholder requests (empty bodies, placeholder path values), so a different status is either
a different rule (which field is checked first, what is idempotent) or a difference of setup (MLflow's server
without workspaces answers their routes 503). Each is a question for the source, not a verdict by itself.
"""

import re
import sys


def load(path):
    rows = {}
    with open(path) as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) < 5 or cells[1] not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                continue
            status = re.match(r"\d+", cells[4])
            rows[(cells[1], cells[2].strip("`"))] = status.group() if status else cells[3]
    return rows


def main():
    reference, other = load(sys.argv[1]), load(sys.argv[2])
    differing = [(path, method, reference[(method, path)], other[(method, path)])
                 for method, path in sorted(reference, key=lambda k: (k[1], k[0]))
                 if (method, path) in other and reference[(method, path)] != other[(method, path)]]
    for path, method, a, b in differing:
        print(f"{method:6} {path}  {sys.argv[1]}: {a}  {sys.argv[2]}: {b}")
    print(f"{len(differing)} of {len(reference)} routes answer differently")


if __name__ == "__main__":
    main()
