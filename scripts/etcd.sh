#!/usr/bin/env bash
# A real etcd for the tests: Debian's etcd-server (3.4), one member on loopback with its data in a
# temporary folder.
#
#   scripts/etcd.sh ensure                     install etcd-server with apt-get when etcd is missing; print etcd's path
#   scripts/etcd.sh start PORT [WATCH_PID [DATADIR]]
#                                              start one member serving http://127.0.0.1:PORT, wait until GET /health
#                                              answers, print "PID DATADIR"; with WATCH_PID (0 or empty: none), stop it
#                                              when that process ends, and remove the data folder this start created;
#                                              with DATADIR, start on that folder's data (a restart after `stop`: same
#                                              data, same peer port). A port where an etcd already answers is refused,
#                                              and success means this start's process is the one listening.
#   scripts/etcd.sh stop PID [DATADIR]         stop it (SIGTERM, then SIGKILL); with DATADIR, remove its data too
#   scripts/etcd.sh free-port                  print a free loopback port below the ephemeral range (see free_port)
#
# Settings, and why:
# - the peer port is a free one, chosen once and kept in DATADIR/peer-port (the default 2380 would
#   collide between two members, and a restart must find its member's own peer URL again);
# - --auto-compaction-mode revision --auto-compaction-retention 1000: history older than the last
#   1000 revisions is compacted every 5 minutes, as production should do (see Documentation/ScaleOut.md):
#   the state store rewrites large documents, and uncompacted history only grows; readers of a
#   compacted revision retry, which the tests then exercise too;
# - --quota-backend-bytes 8 GiB (etcd's largest recommended): the 100,000-user tests write
#   documents of tens of MB, and their history must not hit the 2 GiB default before compaction;
# - the data folder is under /dev/shm (memory) when it exists, unless DIRSYNC_ETCD_ON_DISK=1: the
#   tests run beside many writing processes, whose disk syncs delayed etcd's by seconds;
# - the default request limits (--max-request-bytes 1.5 MiB, --max-txn-ops 128): the clients must
#   work within what a production cluster has.
set -euo pipefail
. "$(dirname "$0")/server-process.sh"

# Whether the member on PORT answers GET /health with {"health":"true"}.
healthy() {
    curl --silent --max-time 1 "http://127.0.0.1:$1/health" 2>/dev/null | grep -q '"health":"true"'
}

# Whether the process PID is the one listening on loopback port PORT (another member started on
# the same port at the same moment would answer the health check in its place). Without `ss`, the
# log saying the address was taken is the sign.
owns_port() {
    if command -v ss >/dev/null; then
        ss -ltnpH "sport = :$1" 2>/dev/null | grep -q "pid=$2,"
    else
        ! grep -q "address already in use" "$3" 2>/dev/null
    fi
}

# A free TCP port on loopback from 27000 to 32767, below the kernel's ephemeral range (32768 and
# up): a port the kernel picked for us could be taken by the next outgoing connection before etcd
# binds it. (The tests hand out client ports from 20000 to 26999, so the two never meet.)
free_port() {
    python3 -c '
import random, socket, sys
for _ in range(1000):
    port = random.randint(27000, 32767)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        print(port)
        sys.exit(0)
    except OSError:
        pass
    finally:
        s.close()
sys.exit("no free loopback port from 27000 to 32767 in 1,000 tries")'
}

find_etcd() {
    if [ -x /usr/bin/etcd ]; then echo /usr/bin/etcd; else command -v etcd 2>/dev/null || true; fi
}

case "${1:-}" in
ensure)
    etcd=$(find_etcd)
    if [ -z "$etcd" ]; then
        sudo=()
        if [ "$(id -u)" != 0 ]; then
            command -v sudo >/dev/null || { echo "etcd is not installed and installing it needs root (apt-get install etcd-server)" >&2; exit 3; }
            sudo=(sudo)
        fi
        export DEBIAN_FRONTEND=noninteractive
        if ! "${sudo[@]}" apt-get install -y etcd-server >&2; then
            "${sudo[@]}" apt-get update >&2
            "${sudo[@]}" apt-get install -y etcd-server >&2
        fi
        etcd=$(find_etcd)
        [ -n "$etcd" ] || { echo "etcd-server was installed but no etcd binary was found" >&2; exit 3; }
    fi
    echo "$etcd"
    ;;
free-port)
    free_port
    ;;
start)
    # Every descriptor but 0-2 (and 255, bash's own copy of this script) closed first: a process
    # that started this script while another one's pipe was open passed that pipe on, and a
    # long-lived server holding it keeps the other process's reader from ever seeing its end
    # (a test run then never ended, waiting for a script's output).
    close_inherited_descriptors
    port=${2:?usage: $0 start PORT [WATCH_PID [DATADIR]]}
    watch=${3:-}
    [ "$watch" = 0 ] && watch=
    data=${4:-}
    etcd=$("$0" ensure)
    if healthy "$port"; then echo "port $port is taken: an etcd already answers there" >&2; exit 6; fi
    created=
    if [ -z "$data" ]; then
        # In memory where the machine has it: etcd syncs its log to disk on every write, and a
        # test process writing files beside it made each sync take seconds (leases ran out).
        parent=${TMPDIR:-/tmp}
        if [ -z "${DIRSYNC_ETCD_ON_DISK:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then parent=/dev/shm; fi
        data=$(mktemp -d "$parent/dirsync-etcd.XXXXXX")
        created=1
    fi
    mkdir -p "$data"
    chmod 700 "$data"
    if [ -f "$data/peer-port" ]; then
        peer=$(cat "$data/peer-port")
    else
        peer=$(free_port)
        while [ "$peer" = "$port" ]; do peer=$(free_port); done
        echo "$peer" > "$data/peer-port"
    fi
    log="$data/etcd.log"
    # The member's data lives in a subfolder, so etcd.log and peer-port sit beside it.
    # A session of its own: otherwise etcd shares this script's process group, and a test that
    # pauses it (SIGSTOP) just as this script exits leaves a stopped process in a group that has
    # just become orphaned — the kernel then sends it SIGHUP and SIGCONT, which woke or killed the
    # "paused" member. setsid execs etcd in place, so $! stays its PID.
    session=()
    command -v setsid >/dev/null && session=(setsid)
    ${session[@]+"${session[@]}"} "$etcd" --name dirsync-test --data-dir "$data/member-data" \
        --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
        --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
        --initial-cluster "dirsync-test=http://127.0.0.1:$peer" \
        --auto-compaction-mode revision --auto-compaction-retention 1000 \
        --quota-backend-bytes 8589934592 \
        --logger zap --log-level warn >>"$log" 2>&1 &
    pid=$!
    # A deadline in seconds, not a count of tries: on a loaded machine each try takes longer.
    deadline=$((SECONDS + 120))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if healthy "$port" && kill -0 "$pid" 2>/dev/null && owns_port "$port" "$pid" "$log"; then
            if [ -n "$watch" ]; then
                # When the watched process ends: stop the member (unless it ended before: a test
                # stopped it, perhaps to start it again on the same data) and remove the data this
                # start created (a restart's watcher leaves it to the first one's).
                (running=1
                 while kill -0 "$watch" 2>/dev/null; do
                     if [ -n "$running" ] && ! kill -0 "$pid" 2>/dev/null; then running=; fi
                     sleep 1
                 done
                 if [ -n "$running" ]; then stop_server "$pid"; fi
                 if [ -n "$created" ]; then rm -rf "$data"; fi) >/dev/null 2>&1 </dev/null &
            fi
            echo "$pid $data"
            exit 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "etcd exited:" >&2
            tail -5 "$log" >&2
            if [ -n "$created" ]; then rm -rf "$data"; fi
            exit 4
        fi
        sleep 0.05
    done
    stop_server "$pid"
    echo "etcd did not answer on port $port within 120 s:" >&2
    tail -5 "$log" >&2
    if [ -n "$created" ]; then rm -rf "$data"; fi
    exit 5
    ;;
stop)
    stop_server "${2:?usage: $0 stop PID [DATADIR]}"
    if [ -n "${3:-}" ]; then rm -rf "$3"; fi
    ;;
*)
    echo "usage: $0 ensure | free-port | start PORT [WATCH_PID [DATADIR]] | stop PID [DATADIR]" >&2
    exit 2
    ;;
esac
