# The dast worker image: the CLI, a JRE, the ZAP engine assembled from Maven Central and dast's rule
# pack, running as a non-root user. It scans with no Docker socket (the local provider runs ZAP inside
# the container); with a socket mounted it can also start the app from its image (`--image`).
#
# It is built FROM the ZAP engine image the docker provider uses (JRE + engine jars in /zap/lib), so the
# engine is assembled once, not again for the worker (README: "The worker image"):
#
#   scripts/build-images.sh worker          # = docker build --build-arg EXTRA_CA_PEM=... -t dast-local/worker .
#   docker run --rm -v "$PWD:/work" dast-local/worker scan --target https://staging.example/
#
# ENGINE_IMAGE: any Debian-based image with Java 17 and ZAP core's jars in /zap/lib (docker/zap/Dockerfile,
#   built on a public base such as debian:bookworm-slim, is one).
# EXTRA_CA_PEM: behind a TLS-intercepting proxy, its CA certificate(s) (PEM text, public) so pip trusts it during
#   the build; the image's trust store does not keep it (`docker history` shows the text: a public certificate only).
ARG ENGINE_IMAGE=dast-local/zap:2.11.1
FROM ${ENGINE_IMAGE}

USER root
ENV PATH=/opt/dast/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

RUN set -e; \
    if ! python3 -m venv --help >/dev/null 2>&1; then \
        apt-get update \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv \
        && apt-get clean && rm -rf /var/lib/apt/lists/*; \
    fi; \
    python3 -m venv /opt/dast; \
    groupadd --system --gid 10002 dast; \
    useradd --system --uid 10002 --gid 10002 --create-home --home-dir /home/dast --shell /usr/sbin/nologin dast

# Dependencies first, from pyproject alone, so a source change does not reinstall them.
COPY pyproject.toml /src/pyproject.toml
ARG EXTRA_CA_PEM=""
RUN set -e; \
    cat /etc/ssl/certs/ca-certificates.crt > /tmp/ca.pem; \
    if [ -n "$EXTRA_CA_PEM" ]; then printf '%s\n' "$EXTRA_CA_PEM" >> /tmp/ca.pem; fi; \
    python3 -c 'import tomllib; print("\n".join(tomllib.load(open("/src/pyproject.toml", "rb"))["project"]["dependencies"]))' \
        > /tmp/requirements.txt; \
    echo "hatchling>=1.25" >> /tmp/requirements.txt; \
    PIP_CERT=/tmp/ca.pem pip install -q -r /tmp/requirements.txt; \
    rm -f /tmp/requirements.txt /tmp/ca.pem

COPY README.md LICENSE /src/
COPY dast/ /src/dast/
COPY profiles/ /src/profiles/
COPY reports/ /src/reports/
# The build backend was installed above, so this step needs no network. The engine cache dast looks in
# is pointed at the image's engine, checked to be the version this dast drives.
ENV DAST_CACHE_DIR=/opt/dast/cache
RUN set -e; \
    pip install -q --no-deps --no-build-isolation /src; \
    rm -rf /src; \
    version="$(python3 -c 'from dast.engine.install import ZAP_VERSION; print(ZAP_VERSION)')"; \
    test -f "/zap/lib/zap-$version.jar" || { echo "ENGINE_IMAGE has no /zap/lib/zap-$version.jar" >&2; exit 1; }; \
    echo "$version" > /zap/lib/.complete; \
    mkdir -p "$DAST_CACHE_DIR/engine/zap-$version"; \
    ln -s /zap/lib "$DAST_CACHE_DIR/engine/zap-$version/lib"; \
    mkdir -p /work && chown dast:dast /work; \
    dast engine status | grep -q '^local: *ready'

# DAST_WORKER_IMAGE: lets dast's messages say what to do in a container (e.g. an output folder it cannot write).
ENV HOME=/home/dast \
    DAST_WORKER_IMAGE=1
LABEL org.opencontainers.image.title="dast worker" \
      org.opencontainers.image.description="DAST for CI/CD: dast + ZAP engine + rule pack" \
      org.opencontainers.image.licenses="Apache-2.0"
USER dast
WORKDIR /work
ENTRYPOINT ["dast"]
CMD ["--help"]
