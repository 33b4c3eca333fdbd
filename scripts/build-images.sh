#!/usr/bin/env bash
# Build the local images dast needs (nothing can be pulled from Docker Hub).
#
#   scripts/build-images.sh [--force]                 base image only
#   scripts/build-images.sh [--force] base            same
#   scripts/build-images.sh [--force] zap LIB_DIR     base (if missing) + ZAP image
#   scripts/build-images.sh [--force] worker          the worker image (Dockerfile) FROM the ZAP image
#
# Each image is built only when missing, unless --force (the worker: always, from
# Docker's layer cache). Docker is started first with scripts/docker-up.sh, so this
# works on a fresh machine.
#
# Env: DAST_BASE_IMAGE (dast-base/debian:bookworm; any other name, e.g. the public
#      debian:bookworm-slim, is pulled instead of built), DAST_ZAP_IMAGE
#      (dast-local/zap:2.11.1), DAST_WORKER_IMAGE (dast-local/worker:latest),
#      DAST_EXTRA_CA_FILE (PEM file(s) a TLS-intercepting proxy needs trusted during
#      the worker's build; default /usr/local/share/ca-certificates/*.crt),
#      DAST_BUILD_NETWORK (docker build --network, default unset = the daemon's
#      default bridge, which reaches the mirror).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
BASE_IMAGE="${DAST_BASE_IMAGE:-dast-base/debian:bookworm}"
ZAP_IMAGE="${DAST_ZAP_IMAGE:-dast-local/zap:2.11.1}"
WORKER_IMAGE="${DAST_WORKER_IMAGE:-dast-local/worker:latest}"

FORCE=0
args=()
for a in "$@"; do
    case "$a" in
        --force) FORCE=1 ;;
        -h|--help) sed -n '2,21p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) args+=("$a") ;;
    esac
done
set -- "${args[@]+"${args[@]}"}"

say() { echo "build-images: $*"; }
have_image() { docker image inspect "$1" >/dev/null 2>&1; }
image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }

build_base() {
    local t0 force=()
    [ "$FORCE" = 1 ] && force=(--force)
    if [ "$FORCE" = 0 ] && have_image "$BASE_IMAGE"; then
        say "$BASE_IMAGE: present"
        return 0
    fi
    t0=$(date +%s)
    case "$BASE_IMAGE" in
        dast-base/*) DAST_BASE_IMAGE="$BASE_IMAGE" "$HERE/base-image.sh" "${force[@]+"${force[@]}"}" ;;
        *) docker pull -q "$BASE_IMAGE" ;;  # a public base, e.g. debian:bookworm-slim
    esac
    say "$BASE_IMAGE: built in $(( $(date +%s) - t0 ))s"
}

# build_zap LIB_DIR: LIB_DIR holds zap-<version>.jar and its dependency jars.
build_zap() {
    local lib="${1:-}" ctx t0 old net=()  # net: extra build flags
    if [ -z "$lib" ] || [ ! -d "$lib" ]; then
        say "usage: $0 zap /path/to/lib (a folder with the ZAP jars)" >&2
        return 2
    fi
    if ! ls "$lib"/zap-*.jar >/dev/null 2>&1; then
        say "$lib has no zap-*.jar" >&2
        return 2
    fi
    # The image remembers which jar set it was built from, so a changed engine pom
    # (another jar, another version) rebuilds it instead of silently reusing a stale one.
    local libhash
    libhash="$(find "$lib" -maxdepth 1 -name '*.jar' -printf '%f %s\n' | sort | sha256sum | cut -c1-16)"
    if [ "$FORCE" = 0 ] && have_image "$ZAP_IMAGE" \
        && [ "$(docker image inspect -f '{{index .Config.Labels "dev.dast.engine-lib"}}' "$ZAP_IMAGE")" = "$libhash" ]; then
        say "$ZAP_IMAGE: present"
        return 0
    fi
    FORCE=0 build_base   # --force rebuilds the ZAP image, not the base
    ctx="$(mktemp -d /tmp/dast-zapctx.XXXXXX)"
    # shellcheck disable=SC2064
    trap "rm -rf '$ctx'" RETURN
    mkdir "$ctx/lib"
    cp "$ROOT/docker/zap/Dockerfile" "$ROOT/docker/zap/zap.sh" "$ctx/"
    cp "$lib"/*.jar "$ctx/lib/"
    [ -n "${DAST_BUILD_NETWORK:-}" ] && net=(--network "$DAST_BUILD_NETWORK")
    [ "$FORCE" = 1 ] && net+=(--no-cache)
    old="$(image_id "$ZAP_IMAGE")"
    t0=$(date +%s)
    say "building $ZAP_IMAGE from $lib ($(find "$ctx/lib" -name '*.jar' | wc -l) jars)"
    # DOCKER_BUILDKIT=0: the legacy builder (the daemon is Debian's 20.10 and
    # the client may lack buildx); it is also what the docker SDK uses.
    DOCKER_BUILDKIT=0 docker build -q --rm "${net[@]+"${net[@]}"}" \
        --build-arg "BASE_IMAGE=$BASE_IMAGE" --label "dev.dast.engine-lib=$libhash" -t "$ZAP_IMAGE" "$ctx" 2>&1 \
        | grep -v -e '^DEPRECATED: The legacy builder' -e 'Install the buildx' \
                  -e 'docs.docker.com/go/buildx' -e 'BuildKit is currently disabled' \
                  -e 'environment-variable\.' -e '^ *$' || true
    have_image "$ZAP_IMAGE" || { say "$ZAP_IMAGE: build failed" >&2; return 1; }
    if [ -n "$old" ] && [ "$old" != "$(image_id "$ZAP_IMAGE")" ]; then
        docker rmi "$old" >/dev/null 2>&1 || true
    fi
    say "$ZAP_IMAGE: built in $(( $(date +%s) - t0 ))s"
}

# build_worker: the top-level Dockerfile FROM the ZAP image, so the engine is not assembled twice.
build_worker() {
    local t0 ca="" net=() f
    if ! have_image "$ZAP_IMAGE"; then
        say "$ZAP_IMAGE is missing; build it first: $0 zap LIB_DIR (or: make images)" >&2
        return 2
    fi
    for f in ${DAST_EXTRA_CA_FILE:-/usr/local/share/ca-certificates/*.crt}; do
        [ -f "$f" ] && ca+="$(cat "$f")"$'\n'
    done
    [ -n "${DAST_BUILD_NETWORK:-}" ] && net=(--network "$DAST_BUILD_NETWORK")
    [ "$FORCE" = 1 ] && net+=(--no-cache)
    t0=$(date +%s)
    say "building $WORKER_IMAGE FROM $ZAP_IMAGE"
    DOCKER_BUILDKIT=0 docker build -q --rm "${net[@]+"${net[@]}"}" \
        --build-arg "ENGINE_IMAGE=$ZAP_IMAGE" --build-arg "EXTRA_CA_PEM=$ca" -t "$WORKER_IMAGE" "$ROOT" 2>&1 \
        | grep -v -e '^DEPRECATED: The legacy builder' -e 'Install the buildx' \
                  -e 'docs.docker.com/go/buildx' -e 'BuildKit is currently disabled' \
                  -e 'environment-variable\.' -e '^ *$' -e '^sha256:' || true
    have_image "$WORKER_IMAGE" || { say "$WORKER_IMAGE: build failed" >&2; return 1; }
    say "$WORKER_IMAGE: built in $(( $(date +%s) - t0 ))s ($(docker image inspect -f '{{.Size}}' "$WORKER_IMAGE" | awk '{printf "%d MB", $1/1000000}'))"
}

"$HERE/docker-up.sh"

case "${1:-base}" in
    base) build_base ;;
    zap) shift; build_zap "${1:-}" ;;
    worker) build_worker ;;
    *) say "unknown target '$1' (base | zap LIB_DIR | worker)" >&2; exit 2 ;;
esac
