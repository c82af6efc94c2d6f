#!/usr/bin/env bash
# Back to back, two release builds of dirsync: a first sync of N users (from `dirsync emulate-graph`)
# into the default file store, a read-only `users --json`, `status`, and `store check` (new only).
# Usage: scripts/filestore-bench.sh N OLD_DIRSYNC NEW_DIRSYNC   (build each with: swift build -c release --product dirsync)
set -euo pipefail
N=${1:-100000}
OLD=${2:?the earlier dirsync binary}
NEW=${3:?the new dirsync binary}
for round in 1 2; do
for v in old new; do
  D=$([ $v = old ] && echo "$OLD" || echo "$NEW")
  S=/tmp/fsb-$v; rm -rf $S
  $D emulate-graph --users $N --groups $((N/10)) > /tmp/fsb-emu.json 2>/dev/null &
  EMU=$!
  while ! grep -q "}" /tmp/fsb-emu.json 2>/dev/null; do sleep 0.2; done
  J=$(head -1 /tmp/fsb-emu.json)
  get() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$J" "$1"; }
  export SEC=$(get clientSecret)
  $D --state $S source add --name C --domain contoso.com >/dev/null
  $D --state $S credentials set --source C --client-id $(get clientID) --tenant contoso.com --client-secret-env SEC --login-url $(get loginURL) --graph-url $(get graphURL) >/dev/null
  $D --state $S test-connection --source C >/dev/null; $D --state $S on --source C >/dev/null
  t0=$(date +%s.%N); $D --state $S sync --source C >/dev/null; t1=$(date +%s.%N)
  $D --state $S users --source C --json >/dev/null; t2=$(date +%s.%N)
  $D --state $S status --source C >/dev/null; t3=$(date +%s.%N)
  chk="-"; if [ $v = new ]; then $D --state $S store check >/dev/null; t4=$(date +%s.%N); chk=$(echo "$t4 - $t3" | bc); fi
  size=$(du -sb $S/store | cut -f1)
  echo "$v round $round: sync $(echo "$t1 - $t0" | bc) s, users (read-only open) $(echo "$t2 - $t1" | bc) s, status $(echo "$t3 - $t2" | bc) s, store check $chk s, store $((size/1048576)) MB"
  kill $EMU; wait $EMU 2>/dev/null || true; rm -f /tmp/fsb-emu.json
done; done
