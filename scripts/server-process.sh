# Process helpers the scripts that start test servers share (etcd.sh, scim-server.sh): sourced,
# not run.

# Stops a server by PID: SIGTERM, then SIGKILL if it has not ended after 5 s (or a blocked signal
# mask inherited from the launching process kept SIGTERM pending).
stop_server() {
    kill -TERM "$1" 2>/dev/null || return 0
    for _ in $(seq 1 25); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.2; done
    kill -KILL "$1" 2>/dev/null || true
}

# Closes every inherited descriptor but 0-2 and 255 (bash reads the running script through 255),
# so that a server started from here holds no other process's pipe open.
close_inherited_descriptors() {
    local fd
    for fd in /proc/$$/fd/*; do
        fd=${fd##*/}
        case "$fd" in 0|1|2|255|*[!0-9]*) ;; *) eval "exec $fd>&-" 2>/dev/null || true ;; esac
    done
}
