#!/usr/bin/env bash
# Stop the dockerd that scripts/docker-up.sh started (and only that one).
set -euo pipefail

STARTED=/var/run/dast-dockerd.started
TIMEOUT="${DAST_DOCKERD_TIMEOUT:-30}"

if [ ! -f "$STARTED" ]; then
    echo "docker-down: no dockerd started by docker-up.sh; leaving Docker alone"
    exit 0
fi
pid="$(cat "$STARTED")"
if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
    echo "docker-down: dockerd (pid ${pid:-?}) is not running"
    rm -f "$STARTED"
    exit 0
fi
# Make sure the PID still is a dockerd, not a reused PID.
if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != dockerd ]; then
    echo "docker-down: pid $pid is not dockerd any more; leaving it alone"
    rm -f "$STARTED"
    exit 0
fi
echo "docker-down: stopping dockerd (pid $pid)"
kill -TERM "$pid"
t0=$(date +%s)
while kill -0 "$pid" 2>/dev/null; do
    if [ $(( $(date +%s) - t0 )) -ge "$TIMEOUT" ]; then
        echo "docker-down: dockerd still alive after ${TIMEOUT}s; sending KILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
        break
    fi
    sleep 0.2
done
rm -f "$STARTED"
echo "docker-down: stopped"
