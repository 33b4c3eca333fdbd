#!/usr/bin/env bash
# The peer scanner for bench/bench_site.py: wapiti3 in its own venv (.venv-wapiti), apart from dast's.
# 3.2.3 is pinned: it installs on Python 3.11; 3.3.x does not.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${WAPITI_VENV:-.venv-wapiti}"
VERSION=3.2.3
PYTHON="${PYTHON:-python3}"
if [ -x "$VENV/bin/wapiti" ] && "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('wapiti3') != '$VERSION')" 2>/dev/null; then
	exit 0
fi
test -x "$VENV/bin/python" || "$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install -q "wapiti3==$VERSION"
"$VENV/bin/wapiti" --version >/dev/null
