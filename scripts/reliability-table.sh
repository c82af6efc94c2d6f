#!/usr/bin/env bash
# Runs the fault matrix (in-memory store and the real SCIM server) and writes its table into
# Documentation/Reliability.md between the FAULT-MATRIX markers.
set -euo pipefail
cd "$(dirname "$0")/.."
table=$(mktemp)
trap 'rm -f "$table"' EXIT
DIRECTORYSYNC_REQUIRE_SCIM=1 DIRECTORYSYNC_RELIABILITY_TABLE="$table" swift test --filter FaultMatrixTests >/dev/null
python3 - "$table" <<'PY'
import sys, datetime, subprocess
rows = open(sys.argv[1]).read().strip().splitlines()
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
head = [f"Generated {datetime.date.today().isoformat()} at commit {commit} by `scripts/reliability-table.sh` from `FaultMatrixTests`.", "",
        "| fault | store | reported outcome | in-scope identities removed | changes outside the plan | next fault-free run converged |",
        "| --- | --- | --- | ---: | ---: | --- |"]
path = "Documentation/Reliability.md"
text = open(path).read()
start, end = "<!-- FAULT-MATRIX:BEGIN -->", "<!-- FAULT-MATRIX:END -->"
before, rest = text.split(start)
_, after = rest.split(end)
open(path, "w").write(before + start + "\n" + "\n".join(head + rows) + "\n" + end + after)
PY
echo "Documentation/Reliability.md updated ($(wc -l <"$table") rows)."
