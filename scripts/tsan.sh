#!/usr/bin/env bash
# Runs the concurrency-heavy tests under the thread sanitizer (a separate build folder, so the
# normal build is untouched). Usage: scripts/tsan.sh [FILTER]   (default: the service, incremental
# synchronization, executor, retries, URLSession transport, loopback server and store tests)
set -euo pipefail
cd "$(dirname "$0")/.."
filter="${1:-DirectoryService|Incremental|SourceSynchronizer|SyncExecutor|Executor|RetryingTransport|URLSessionTransport|Loopback|IdentityStore|SecretStore|StateStore|RecordFile}"
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
swift test --scratch-path .build/tsan --sanitize thread --filter "$filter" 2>&1 | tee /tmp/dirsync-tsan.log | grep -E "Test run with|WARNING: ThreadSanitizer|SUMMARY" || true
if grep -q "WARNING: ThreadSanitizer" /tmp/dirsync-tsan.log; then echo "ThreadSanitizer found races (see /tmp/dirsync-tsan.log)"; exit 1; fi
grep -q "Test run with .* passed" /tmp/dirsync-tsan.log
