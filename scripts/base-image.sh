#!/usr/bin/env bash
# Create the local base image dast-base/debian:bookworm (Docker Hub is not
# reachable here, so nothing can be pulled): debootstrap a minbase bookworm
# from the Debian mirror that apt on this host already uses and import it.
#
#   scripts/base-image.sh [--force]
#
# Env: DAST_BASE_IMAGE (default dast-base/debian:bookworm),
#      DAST_DEBIAN_MIRROR (default: first Debian mirror in /etc/apt/sources.list*)
set -euo pipefail

IMAGE="${DAST_BASE_IMAGE:-dast-base/debian:bookworm}"
SUITE=bookworm
FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

say() { echo "base-image: $*"; }

if [ "$FORCE" = 0 ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
    say "$IMAGE already present"
    exit 0
fi

find_mirror() {
    local files=() f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && files+=("$f")
    done
    [ "${#files[@]}" -gt 0 ] || return 0
    # one-line format: "deb [opts] URI suite comp..."; deb822: "URIs: URI ..."
    {
        awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:\/\//) { print $i; break } }' "${files[@]}"
        awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' "${files[@]}"
    } | grep -E '/debian/?$' | grep -v -- '-security' | head -n 1
}

MIRROR="${DAST_DEBIAN_MIRROR:-$(find_mirror)}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
MIRROR="${MIRROR%/}"

if ! command -v debootstrap >/dev/null 2>&1; then
    say "installing debootstrap"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends debootstrap; } \
        >/tmp/dast-apt-debootstrap.log 2>&1 \
        || { tail -n 30 /tmp/dast-apt-debootstrap.log >&2; exit 1; }
fi

DIR="$(mktemp -d /tmp/dast-rootfs.XXXXXX)"
cleanup() { rm -rf --one-file-system "$DIR"; }
trap cleanup EXIT

say "debootstrap --variant=minbase $SUITE from $MIRROR"
t0=$(date +%s)
if ! debootstrap --variant=minbase "$SUITE" "$DIR" "$MIRROR" >"$DIR.log" 2>&1; then
    tail -n 30 "$DIR.log" >&2
    rm -f "$DIR.log"
    exit 1
fi
rm -f "$DIR.log"
say "debootstrap took $(( $(date +%s) - t0 ))s"

# apt sources inside the image: the same mirror, plus updates and security.
SEC="${MIRROR%/debian}/debian-security"
cat > "$DIR/etc/apt/sources.list" <<SRC
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SEC $SUITE-security main
SRC
# Keep images small; never pull recommends unless asked.
cat > "$DIR/etc/apt/apt.conf.d/90dast" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Retries "3";
APT
# Docker supplies /etc/resolv.conf and /etc/hosts at run and build time;
# drop what debootstrap copied from the host, and the apt lists/caches.
rm -f "$DIR/etc/resolv.conf" "$DIR/etc/hostname"
rm -rf "$DIR"/var/lib/apt/lists/* "$DIR"/var/cache/apt/archives/*.deb "$DIR"/tmp/* 2>/dev/null || true

old="$(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
t1=$(date +%s)
tar -C "$DIR" --numeric-owner -c . | docker import \
    -c 'ENV LANG=C.UTF-8' \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'CMD ["/bin/bash"]' \
    - "$IMAGE" >/dev/null
new="$(docker image inspect -f '{{.Id}}' "$IMAGE")"
# drop the replaced image if nothing uses it any more (ignore failures)
if [ -n "$old" ] && [ "$old" != "$new" ]; then
    docker rmi "$old" >/dev/null 2>&1 || true
fi
say "imported $IMAGE in $(( $(date +%s) - t1 ))s ($(docker image inspect -f '{{.Size}}' "$IMAGE") bytes)"
