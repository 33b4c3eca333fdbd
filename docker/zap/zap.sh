#!/bin/sh
# Start the ZAP engine from the jars in /zap/lib, taking the same command line
# as zap.sh in the official zaproxy/zap-stable image, e.g.
#   zap.sh -daemon -host 0.0.0.0 -port 8080 -config api.key=K
# The home directory defaults to /home/zap/.ZAP unless -dir is given.
# JAVA_OPTS overrides the JVM options (default -Xmx1g).
set -e
ZAP_INSTALL="${ZAP_INSTALL:-/zap}"
ZAP_HOME_DIR="${ZAP_HOME_DIR:-$HOME/.ZAP}"

has_dir=0
has_installdir=0
for arg in "$@"; do
    case "$arg" in
        -dir) has_dir=1 ;;
        -installdir) has_installdir=1 ;;
    esac
done

if [ "$has_installdir" = 0 ]; then
    set -- -installdir "$ZAP_INSTALL" "$@"
fi
if [ "$has_dir" = 0 ]; then
    mkdir -p "$ZAP_HOME_DIR"
    set -- -dir "$ZAP_HOME_DIR" "$@"
fi

# shellcheck disable=SC2086
exec java ${JAVA_OPTS:--Xmx1g} -cp "$ZAP_INSTALL/lib/*" org.zaproxy.zap.ZAP "$@"
