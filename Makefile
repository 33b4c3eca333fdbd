# dast: `make demo` scans the bundled demo app for real; `make test` runs the whole suite.
# Both do all set-up on a fresh machine (packages, venv, ZAP engine, Docker, images) and reuse
# what is already there.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ENGINE_LIB = $(shell $(BIN)/python -c 'from dast.engine.install import engine_install; print(engine_install().lib_dir)')
BASE_IMAGE ?= dast-base/debian:bookworm
DEMO_OUT ?= dast-reports/demo

.PHONY: demo test lint unit integration bench setup system venv engine docker images tools clean

demo: setup
	@echo "== scanning the demo app as its member (a real ZAP engine, the demo app in a container) =="
	@# The demo app's own, documented demo account (demo-app/README.md); a real pipeline takes them from its secrets.
	@APP_USER=shopper APP_PASSWORD=shopper-pass-1234 \
	$(BIN)/dast scan --build demo-app --build-arg BASE_IMAGE=$(BASE_IMAGE) --image dast-demo:latest \
		--port 8000 --health-path /healthz --profile demo-app/dast-member.yaml --out $(DEMO_OUT) --progress plain; \
	rc=$$?; \
	if [ $$rc -le 1 ]; then \
		echo "== demo scan finished (dast exit code $$rc: 1 means the gate failed, as it should for this app)"; \
		echo "== reports: $(DEMO_OUT)/report.html, junit.xml, results.sarif, results.json, summary.md"; \
	else exit $$rc; fi

test: setup tools lint
	$(BIN)/pytest

lint: venv
	$(BIN)/ruff check dast tests bench scripts
	$(BIN)/ruff format --check dast tests bench scripts
	$(BIN)/mypy

unit: venv
	$(BIN)/pytest tests/unit

integration: setup tools
	$(BIN)/pytest tests/integration

# bench_site compares with wapiti3 in its own venv (scripts/wapiti-venv.sh); BENCH_SITE_PAGES=100,1000,5000 for the big site.
BENCH_SITE_PAGES ?= 100,1000
bench: setup
	@scripts/wapiti-venv.sh
	$(BIN)/python bench/bench_cli_start.py
	$(BIN)/python bench/bench_reports.py
	$(BIN)/python bench/bench_overhead.py
	$(BIN)/python bench/bench_site.py --pages $(BENCH_SITE_PAGES)
	$(BIN)/python bench/bench_fleet.py

setup: system venv engine docker images

system:
	@scripts/bootstrap.sh

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

engine: venv
	@$(BIN)/dast engine install

docker:
	@scripts/docker-up.sh

images: engine docker
	@scripts/build-images.sh zap "$(ENGINE_LIB)"

# actionlint, for the GitHub templates' test: built from its Go module (Go >= 1.25) into the venv.
ACTIONLINT_VERSION := v1.7.12
GO ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
# Microsoft's sarif-multitool (npm), for the SARIF tests' GitHub code scanning rules (tests/sarif_validator.py).
SARIF_MULTITOOL_VERSION := 5.7.0
SARIF_MULTITOOL := $(VENV)/sarif-multitool/.installed-$(SARIF_MULTITOOL_VERSION)

tools: $(BIN)/.actionlint-$(ACTIONLINT_VERSION) $(SARIF_MULTITOOL)

$(BIN)/.actionlint-$(ACTIONLINT_VERSION): | $(VENV)/.installed
	@test -x "$(GO)" || { echo "tools: Go >= 1.25 is needed to build actionlint; install it or set GO=" >&2; exit 1; }
	GOBIN=$(abspath $(BIN)) $(GO) install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)
	@touch $@

# Microsoft's sarif-multitool (npm, a self-contained binary): installed beside the venv.
$(SARIF_MULTITOOL): | $(VENV)/.installed
	@command -v npm >/dev/null || { echo "tools: npm is needed for sarif-multitool (scripts/bootstrap.sh installs it)" >&2; exit 1; }
	npm install --silent --no-audit --no-fund --prefix $(VENV)/sarif-multitool @microsoft/sarif-multitool@$(SARIF_MULTITOOL_VERSION)
	@# npm may hold back the package's own postinstall (chmod): the binary is made executable here
	chmod u+x $(VENV)/sarif-multitool/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
	@touch $@

clean:
	rm -rf $(VENV) dast-reports .pytest_cache .mypy_cache .ruff_cache
