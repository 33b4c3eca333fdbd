#!/usr/bin/env bash
# Ensure a Docker daemon is answering on /var/run/docker.sock.
#
# Idempotent: if `docker info` already works, nothing is done. Otherwise
# Debian's docker.io (dockerd 20.10 + containerd + runc) and iptables are
# installed when missing, dockerd is started in the background and we wait
# (bounded) for the socket to answer. The PID of a dockerd started here is
# written to /var/run/dast-dockerd.started so that scripts/docker-down.sh
# only ever stops a daemon this script started.
#
# Env:
#   DAST_DOCKERD_TIMEOUT   seconds to wait for the daemon (default 60)
#   DAST_DOCKERD_ARGS      extra dockerd arguments (default empty)
set -euo pipefail

LOG=/var/log/dast-dockerd.log
PIDFILE=/var/run/docker.pid
STARTED=/var/run/dast-dockerd.started
TIMEOUT="${DAST_DOCKERD_TIMEOUT:-60}"

say() { echo "docker-up: $*"; }

daemon_ok() { docker info >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && daemon_ok; then
    echo "docker: already running"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    say "not root and no daemon answering; start Docker yourself" >&2
    exit 1
fi

# --- install what is missing ------------------------------------------------
need=()
[ -x /usr/sbin/dockerd ] || need+=(docker.io)
command -v iptables >/dev/null 2>&1 || need+=(iptables)
if [ "${#need[@]}" -gt 0 ]; then
    say "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    aptlog="$(mktemp /tmp/dast-apt.XXXXXX)"
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"; } \
            >"$aptlog" 2>&1; then
        tail -n 30 "$aptlog" >&2
        rm -f "$aptlog"
        exit 1
    fi
    rm -f "$aptlog"
fi
# The docker.io postinst never starts anything here (no systemd), but be sure
# the client in PATH works: any client (Debian's 20.10 or a newer one in
# /usr/local/bin) negotiates the API version down to the daemon's (1.41).

# --- a stale pidfile from a dead daemon blocks a new start ------------------
if [ -f "$PIDFILE" ]; then
    old="$(cat "$PIDFILE" 2>/dev/null || true)"
    if [ -n "$old" ] && kill -0 "$old" 2>/dev/null; then
        say "dockerd (pid $old) is running but not answering yet; waiting"
        pid="$old"
    else
        rm -f "$PIDFILE"
    fi
fi

# IP forwarding is needed for containers on bridge networks to reach
# the outside (the Debian mirror during builds) through docker's NAT.
if [ "$(cat /proc/sys/net/ipv4/ip_forward 2>/dev/null || echo 1)" != 1 ]; then
    sysctl -qw net.ipv4.ip_forward=1 2>/dev/null || echo 1 > /proc/sys/net/ipv4/ip_forward || true
fi

if [ -z "${pid:-}" ]; then
    say "starting dockerd (log: $LOG)"
    # shellcheck disable=SC2086
    nohup /usr/sbin/dockerd --pidfile "$PIDFILE" ${DAST_DOCKERD_ARGS:-} \
        >>"$LOG" 2>&1 </dev/null &
    pid=$!
    echo "$pid" > "$STARTED"
fi

t0=$(date +%s)
while ! daemon_ok; do
    if ! kill -0 "$pid" 2>/dev/null; then
        say "dockerd exited; last log lines:" >&2
        tail -n 20 "$LOG" >&2 || true
        rm -f "$STARTED"
        exit 1
    fi
    if [ $(( $(date +%s) - t0 )) -ge "$TIMEOUT" ]; then
        say "dockerd did not answer within ${TIMEOUT}s; last log lines:" >&2
        tail -n 20 "$LOG" >&2 || true
        exit 1
    fi
    sleep 0.2
done
say "dockerd up (pid $pid) after $(( $(date +%s) - t0 ))s"
