# Two commands do everything: `make run` (the product on embedded defaults) and `make test` (`make lint` checks style and types).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
DEV_STAMP := $(VENV)/.dev-installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: run test lint install install-dev db worker app bench clean backup restore

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
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
run: db
	@echo ""
	@echo "  IESCP is starting at http://localhost:$(PORT)  (Ctrl+C stops app and worker)"
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	  $(BIN)/huey_consumer tasks.huey --workers 2 --logfile data/worker.log & \
	  $(BIN)/streamlit run app.py --server.port $(PORT) --server.address 0.0.0.0; \
	  wait

## lint: style and formatting (ruff) everywhere, types of core/ (mypy; settings in pyproject.toml)
# Separate from test: `make test` never waits on lint, CI runs both (.ci/run).
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## test: install and run the whole suite (PostgreSQL/Redis parts run when IESCP_TEST_*_URL are set)
# The browser flows run after the rest, alone, so a loaded machine does not starve the real server.
test: install-dev
	$(BIN)/python -m pytest -n 2 --dist loadgroup -m "not e2e"
	$(BIN)/python -m pytest -p no:xdist -m e2e tests/e2e

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
