#!/usr/bin/env bash
# Install the system packages dast's demo and test suite need, when missing (Debian, as root).
#   java + maven: assemble and run ZAP core; debootstrap: the local base image;
#   chromium + chromedriver: the HTML report's browser test; docker.io: see docker-up.sh.
# Idempotent and quiet when everything is there.
set -euo pipefail

need=()
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
# jshell: the test that checks translated URL patterns with the JVM's own regex engine (ZAP's).
command -v jshell >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
if [ "${DAST_SKIP_BROWSER:-0}" != 1 ]; then
    [ -x /usr/bin/chromium ] || need+=(chromium)
    [ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
fi
command -v python3 >/dev/null 2>&1 || need+=(python3 python3-venv)
# npm: sarif-multitool, which checks the SARIF output against GitHub code scanning's rules.
command -v npm >/dev/null 2>&1 || need+=(npm)

if [ "${#need[@]}" -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: missing ${need[*]}; install them (root needed)" >&2
    exit 1
fi
echo "bootstrap: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
log="$(mktemp /tmp/dast-bootstrap.XXXXXX)"
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -f "$log"
    exit 1
fi
rm -f "$log"
