#!/usr/bin/env bash
# A real SCIM 2.0 server for the tests: scim2-server from PyPI, in a venv inside the project.
#
#   scripts/scim-server.sh ensure              create .venv/scim with scim2-server (once); print the server's path
#   scripts/scim-server.sh start PORT TOKEN [WATCH_PID]
#                                              start it on 127.0.0.1:PORT (dynamic tenants), wait until it answers, print its PID;
#                                              with WATCH_PID, stop it when that process ends
#   scripts/scim-server.sh stop PID            stop it (SIGTERM, then SIGKILL; it ignores SIGINT in the background)
set -euo pipefail
. "$(dirname "$0")/server-process.sh"
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv/scim"
server="$venv/bin/scim2-server"

# scim2-server's own entry point, with a listen backlog of 1024 (see `start`).
launch='import socketserver, sys
socketserver.TCPServer.request_queue_size = 1024
from scim2_server.testserver.cli import main
sys.argv[0] = "scim2-server"
sys.exit(main())'

# Whether the server on PORT answers with TOKEN.
answers() {
    python3 - "$1" "$2" 2>/dev/null <<'PY'
import sys, urllib.request
request = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/ready/v2/ServiceProviderConfig", headers={"Authorization": f"Bearer {sys.argv[2]}"})
urllib.request.urlopen(request, timeout=1).read()
PY
}

case "${1:-}" in
ensure)
    if [ ! -x "$server" ]; then
        command -v python3 >/dev/null || { echo "python3 is not installed" >&2; exit 3; }
        python3 -m venv "$venv" >&2
        "$venv/bin/pip" install --quiet --disable-pip-version-check 'scim2-server==0.8.3' 'scim2-models==0.12.3' >&2
    fi
    echo "$server"
    ;;
start)
    # Every descriptor but 0-2 (and 255, bash's own copy of this script) closed first: a process
    # that started this script while another one's pipe was open passed that pipe on, and a
    # long-lived server holding it keeps the other process's reader from ever seeing its end
    # (a test run then never ended, waiting for a script's output).
    close_inherited_descriptors
    port=$2
    token=$3
    watch=${4:-}
    "$0" ensure >/dev/null
    # Its listen backlog raised from Python's default of 5: when more tests connect at once, the
    # kernel drops their connections (SYNs), and each client waits for a retransmission 1, 3, 7,
    # 15 s later, past a 10 s connect timeout.
    "$venv/bin/python3" -c "$launch" --hostname 127.0.0.1 --port "$port" --bearer-token "$token" --dynamic-tenants >"$venv/server-$port.log" 2>&1 &
    pid=$!
    # A deadline in seconds, not a count of tries: on a loaded machine each try takes longer.
    deadline=$((SECONDS + 120))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if answers "$port" "$token"; then
            if [ -n "$watch" ]; then
                (while kill -0 "$watch" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do sleep 1; done; stop_server "$pid") >/dev/null 2>&1 &
            fi
            echo "$pid"
            exit 0
        fi
        kill -0 "$pid" 2>/dev/null || { echo "scim2-server exited; see $venv/server-$port.log" >&2; exit 4; }
        sleep 0.1
    done
    kill -TERM "$pid"
    echo "scim2-server did not answer on port $port within 120 s" >&2
    exit 5
    ;;
stop)
    stop_server "$2"
    ;;
*)
    echo "usage: $0 ensure | start PORT TOKEN | stop PID" >&2
    exit 2
    ;;
esac
