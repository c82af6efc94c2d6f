#!/usr/bin/env bash
# Fuzzes every target of Fuzz/ with libFuzzer + AddressSanitizer for SECONDS each (default 60),
# starting from the seed corpus in Fuzz/Corpus/<target>. A crash stops the run and leaves the input
# in .build/fuzz-artifacts/ — fix the bug and add the input to Fuzz/Corpus/<target>/ as a regression.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET…]   (targets: graph tokens scim filter state storeLog)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"; shift || true
targets=("${@:-graph tokens scim filter state storeLog}")
# shellcheck disable=SC2206
targets=(${targets[*]})
swift build -c release --sanitize fuzzer --sanitize address -Xswiftc -DFUZZING \
    -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp --product dirsync-fuzz --scratch-path .build/fuzz 2>&1 | grep -v "ld.gold: warning" | tail -1
binary=.build/fuzz/release/dirsync-fuzz
mkdir -p .build/fuzz-artifacts
export SWIFT_BACKTRACE=enable=no
for target in "${targets[@]}"; do
    work=.build/fuzz-corpus/$target
    mkdir -p "$work"
    cp -n Fuzz/Corpus/"$target"/* "$work"/ 2>/dev/null || true
    log=.build/fuzz-artifacts/$target.log
    if ! DIRSYNC_FUZZ_TARGET=$target "$binary" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
        -artifact_prefix=.build/fuzz-artifacts/"$target"- "$work" >"$log" 2>&1; then
        echo "$target: FINDING — see $log and .build/fuzz-artifacts/$target-*"
        exit 1
    fi
    runs=$(grep -Eo "Done [0-9]+ runs in [0-9]+ second" "$log" | tail -1)
    cov=$(grep -Eo "cov: [0-9]+" "$log" | tail -1)
    echo "$target: $runs, $cov, corpus $(ls "$work" | wc -l) inputs, no crash"
done
