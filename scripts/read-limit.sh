#!/usr/bin/env bash
# `dirsync read` against the transfer limit (Documentation/Performance.md, issue 20): the Graph
# answers of one read of a generated tenant (USERS users, USERS/10 groups, from `dirsync
# emulate-graph`) are recorded once (scripts/graph-replay.py record), then served from memory over
# HTTP/1.1 keep-alive on loopback (graph-replay.py serve), so the server costs next to nothing.
# Each round prints, for the same answers:
#   plain   a plain client (Python's http.client, one connection) fetching them in order
#   read    the whole `dirsync read` process (/usr/bin/time: wall, user + system CPU, peak RSS;
#           and the CPU other processes took meanwhile, from /proc/stat)
#   json    the whole `dirsync read --json > /dev/null` process
# With several binaries, each round runs them in turn (back to back, for old against new).
#
# Usage: scripts/read-limit.sh [USERS] [ROUNDS] [DIRSYNC...]
#   USERS    users in the tenant (default 100000)
#   ROUNDS   rounds (default 3)
#   DIRSYNC  dirsync binaries to time (default: this checkout's release build, built first)
# The recording is kept in .build/graph-replay/USERS (delete it to record again).
set -euo pipefail
cd "$(dirname "$0")/.."
users="${1:-100000}"
rounds="${2:-3}"
shift $(( $# > 2 ? 2 : $# ))
if [ $# -eq 0 ]; then
    swift build -c release --product dirsync >/dev/null
    set -- .build/release/dirsync
fi
recording=".build/graph-replay/$users"
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
wait_for() { while [ ! -s "$1" ]; do sleep 0.1; done; }
client=11111111-2222-3333-4444-555555555555
read_arguments() { echo "read --tenant contoso.com --client-id $client --client-secret-env DIRSYNC_REPLAY_SECRET --login-url $1 --graph-url $1/v1.0"; }

if [ ! -s "$recording/index.json" ]; then
    rm -rf "$recording"
    "$1" emulate-graph --users "$users" --groups $(( users / 10 )) >"$work/emulator" &
    emulator=$!
    pids+=("$emulator")
    wait_for "$work/emulator"
    python3 scripts/graph-replay.py record "$recording" "$(field "$work/emulator" loginURL)" >"$work/recorder" &
    recorder=$!
    pids+=("$recorder")
    wait_for "$work/recorder"
    DIRSYNC_REPLAY_SECRET=$(field "$work/emulator" clientSecret) \
        "$1" $(read_arguments "$(field "$work/recorder" base)") >/dev/null
    kill "$recorder" "$emulator"
    wait "$recorder" "$emulator" 2>/dev/null || true
fi

python3 scripts/graph-replay.py serve "$recording" >"$work/server" &
pids+=("$!")
wait_for "$work/server"
base=$(field "$work/server" base)
export DIRSYNC_REPLAY_SECRET=replayed
echo "$(python3 -c "import json; e=json.load(open('$recording/index.json')); print(len(e))") recorded answers," \
    "$(du -sm "$recording" | cut -f1) MB, $users users ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }   # CPU jiffies of the whole machine
timed() {
    # The command's output to /dev/null; prints wall s, user + system CPU s, peak RSS MB, and the
    # CPU other processes took meanwhile (the machine is shared: a busy second core stretches the wall).
    local before after
    before=$(busy)
    /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" >/dev/null
    after=$(busy)
    awk -v jiffies=$(( after - before )) -v hz="$(getconf CLK_TCK)" '{
        others = jiffies / hz - $2 - $3; if (others < 0) others = 0
        printf "%.2f s wall, %.2f s CPU, %d MB peak, others %.2f s CPU", $1, $2 + $3, $4 / 1024, others }' "$work/time"
}
for round in $(seq 1 "$rounds"); do
    plain=$(python3 scripts/graph-replay.py fetch "$recording" "$base")
    echo "round $round  plain  $(field <(echo "$plain") seconds) s ($(field <(echo "$plain") requests) requests, $(field <(echo "$plain") bytes) bytes)"
    for binary in "$@"; do
        echo "round $round  read   $(timed "$binary" $(read_arguments "$base"))  $binary"
        echo "round $round  json   $(timed "$binary" $(read_arguments "$base") --json)  $binary"
    done
done
