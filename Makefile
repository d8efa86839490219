# Two commands do everything: `make run` (the product on embedded defaults) and `make test` (`make lint` checks style and types).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
DEV_STAMP := $(VENV)/.dev-installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: run test lint install install-dev db worker app bench clean backup restore cluster cluster-stop cluster-status

$(STAMP): requirements.txt
	@echo "Installing Python packages into $(VENV) (first start only, a few minutes)…"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --progress-bar on -r requirements.txt
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

# Test, lint and type-check tools on top of the product's own requirements (make run never needs them).
$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@rm -f $(VENV)/.dev-installed-*; touch $(DEV_STAMP)

install-dev: $(DEV_STAMP)

db: install
	$(BIN)/python -m core.demo.seed

## run: create/migrate the database with demo data, start the job worker and the app
# HOST=0.0.0.0 serves other machines too (default: this machine only). Links in mails and PDFs use IESCP_BASE_URL,
# exported here to both processes unless set; set it when users reach the app under another address (a proxy).
HOST ?= 127.0.0.1
LINK_HOST := $(if $(filter 0.0.0.0 :: [::],$(HOST)),localhost,$(HOST))
run: export IESCP_BASE_URL ?= http://$(LINK_HOST):$(PORT)
run: export STREAMLIT_SERVER_PORT := $(PORT)
run: export STREAMLIT_SERVER_ADDRESS := $(HOST)
# Ctrl+C reaches every process of the terminal's group (both install their own handlers). The old
# `trap 'kill 0' INT TERM EXIT` re-entered its own trap (kill 0 signals the shell too) until the shell overflowed its
# stack: make's "Segmentation fault". Now the trap lets the shell outlive the signal, passes a TERM (from make or a
# service manager) on to app and worker, waits for both and ends the recipe quietly.
run: db
	@echo ""
	@echo "  IESCP is starting at http://$(LINK_HOST):$(PORT)  (Ctrl+C stops app and worker)"
	@echo "  Links in e-mails and PDFs point to $$IESCP_BASE_URL; set IESCP_BASE_URL when users reach the app"
	@echo "  under another address (another host name, a proxy, HOST=0.0.0.0)."
	@echo ""
	@$(BIN)/huey_consumer tasks.huey --workers 2 --logfile data/worker.log & worker=$$!; \
	  $(BIN)/streamlit run server.py & app=$$!; \
	  trap 'stopped=1' INT; trap 'stopped=1; kill -TERM $$app $$worker 2>/dev/null' TERM; \
	  wait $$app 2>/dev/null; status=$$?; if [ -n "$$stopped" ]; then wait $$app 2>/dev/null; fi; \
	  kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null; \
	  if [ -n "$$stopped" ]; then echo "  IESCP stopped."; exit 0; fi; exit $$status

## cluster: the production shape on this machine: PostgreSQL + Redis, migrations once, REPLICAS Streamlit replicas
# (default 3) and WORKERS huey consumers (default 2) behind HAProxy on PROXY_PORT (default 8500), sticky sessions.
# Engines: IESCP_DATABASE_URL / IESCP_REDIS_URL (defaults: local PostgreSQL database iescp, Redis db 1); DEMO=1 adds the
# demo data. HAProxy comes from Debian's packages (apt-get install haproxy). See docs/deploy.md.
cluster: install
	$(BIN)/python -m deploy.cluster start

## cluster-stop: stops exactly the processes `make cluster` recorded (data/cluster/pids.json), nothing else
cluster-stop:
	$(BIN)/python -m deploy.cluster stop

cluster-status:
	$(BIN)/python -m deploy.cluster status

## lint: style and formatting (ruff) everywhere, types of core/ (mypy; settings in pyproject.toml)
# Separate from test: `make test` never waits on lint, CI runs both (.ci/run).
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## test: install and run the whole suite (PostgreSQL/Redis parts run when IESCP_TEST_*_URL are set)
# The browser flows run after the rest, alone, so a loaded machine does not starve the real server; the cluster
# tests (replicas, workers, HAProxy, a private Redis; they need PostgreSQL and haproxy) run last, alone too.
test: install-dev
	$(BIN)/python -m pytest -n 2 --dist loadgroup -m "not e2e and not cluster"
	$(BIN)/python -m pytest -p no:xdist -m e2e tests/e2e
	$(BIN)/python -m pytest -p no:xdist -m cluster tests/cluster

## backup / restore: a consistent copy of the configured database (SQLite online backup API, or pg_dump)
# make backup [FILE=backups/iescp-YYYYmmdd-HHMMSS.backup]; make restore FILE=... (stop the app and workers first)
FILE ?= backups/iescp-$(shell date -u +%Y%m%d-%H%M%S).backup
backup: install
	$(BIN)/python -m core.platform.backup backup "$(FILE)"

restore: install
	@test -n "$(FILE)" -a -f "$(FILE)" || { echo "usage: make restore FILE=path/to/file.backup"; exit 2; }
	$(BIN)/python -m core.platform.backup restore "$(FILE)"

bench: install
	$(BIN)/python -m bench.run --scales 10k,100k --backends sqlite,postgres

clean:
	rm -rf $(VENV) data .pytest_cache
