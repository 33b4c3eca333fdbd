# The dast worker image: the CLI and its Python dependencies, nothing else.
# Scan with an engine beside it: `--zap docker` (mount /var/run/docker.sock) or `--zap remote`.
#
#   docker build -t dast .                                              # public slim base
#   docker build --build-arg BASE_IMAGE=dast-base/debian:bookworm -t dast .   # local Debian base
#   docker run --rm dast --help
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}

# Minimal bases (a debootstrap Debian) ship no Python; slim Python images already have it.
RUN if ! python3 -m venv --help >/dev/null 2>&1; then \
        apt-get update \
        && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
        && rm -rf /var/lib/apt/lists/*; \
    fi \
 && python3 -m venv /opt/dast \
 && useradd --system --uid 10002 --create-home --home-dir /home/dast --shell /usr/sbin/nologin dast

ENV PATH=/opt/dast/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# Behind a TLS-intercepting proxy, pass its CA certificate (PEM text, public) so pip trusts it.
ARG EXTRA_CA_PEM=""

# Dependencies first, from pyproject alone, so a source change does not reinstall them.
COPY pyproject.toml /src/pyproject.toml
RUN if [ -n "$EXTRA_CA_PEM" ]; then \
        cat /etc/ssl/certs/ca-certificates.crt > /tmp/ca.pem 2>/dev/null || true; \
        printf '%s\n' "$EXTRA_CA_PEM" >> /tmp/ca.pem; export PIP_CERT=/tmp/ca.pem; \
    fi \
 && python3 -c 'import tomllib; print("\n".join(tomllib.load(open("/src/pyproject.toml", "rb"))["project"]["dependencies"]))' \
        > /tmp/requirements.txt \
 && echo "hatchling>=1.25" >> /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt && rm -f /tmp/requirements.txt /tmp/ca.pem

COPY README.md /src/README.md
COPY dast/ /src/dast/
COPY profiles/ /src/profiles/
COPY reports/ /src/reports/
# The build backend was installed above, so this step needs no network.
RUN pip install --no-deps --no-build-isolation /src && rm -rf /src

USER dast
WORKDIR /work
ENTRYPOINT ["dast"]
CMD ["--help"]
