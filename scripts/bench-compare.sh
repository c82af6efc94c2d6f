#!/usr/bin/env bash
# Reads the same users and group memberships from the same loopback Graph emulator with
# DirectorySync (`dirsync read`, release build) and with Microsoft's Python Graph SDK
# (`msgraph-sdk` from PyPI, in .venv/msgraph), and prints both times and their ratio.
#
# Usage: scripts/bench-compare.sh [USERS]     (default 100000; groups = USERS / 10)
set -euo pipefail
cd "$(dirname "$0")/.."
users="${1:-100000}"
groups=$(( users / 10 ))
venv=.venv/msgraph
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet 'msgraph-sdk>=1.0'
fi
swift build -c release --product dirsync >/dev/null
dirsync=.build/release/dirsync

announcement=$(mktemp)
"$dirsync" emulate-graph --users "$users" --groups "$groups" >"$announcement" &
emulator=$!
trap 'kill "$emulator" 2>/dev/null || true; rm -f "$announcement"' EXIT
while [ ! -s "$announcement" ]; do sleep 0.1; done
field() { python3 -c "import json,sys; print(json.load(open('$announcement'))['$1'])"; }
login=$(field loginURL); graph=$(field graphURL); tenant=$(field tenant); client=$(field clientID)
export DIRSYNC_COMPARE_SECRET; DIRSYNC_COMPARE_SECRET=$(field clientSecret)

ours_start=$(date +%s.%N)
ours=$("$dirsync" read --tenant "$tenant" --client-id "$client" --client-secret-env DIRSYNC_COMPARE_SECRET \
    --login-url "$login" --graph-url "$graph")
ours_seconds=$(echo "$(date +%s.%N) - $ours_start" | bc)
theirs=$(/usr/bin/time -f '%M' -o /tmp/msgraph-peak-kb "$venv/bin/python" scripts/msgraph-read.py "$login" "$graph" "$tenant" "$client")
theirs_seconds=$(echo "$theirs" | python3 -c "import json,sys; print(json.load(sys.stdin)['seconds'])")

echo "tenant:        $users users, $groups groups (loopback emulator, $(nproc) cores)"
echo "DirectorySync: $ours_seconds s (process, including start-up) — $ours"
echo "msgraph-sdk:   $theirs_seconds s (reads only), peak $(( $(cat /tmp/msgraph-peak-kb) / 1024 )) MB — $theirs"
echo "ratio:         $(echo "scale=1; $theirs_seconds / $ours_seconds" | bc)× faster"
