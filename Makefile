# certtrack: `make run` serves the app with demo data; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in emails, certificates and QR codes point at where `make run` serves.
export CERTTRACK_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test lint format serve worker clean bench bench-quick bench-data

$(BIN)/certtrack: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/certtrack

run: $(BIN)/certtrack
	$(BIN)/certtrack migrate --verbosity 0
	$(BIN)/certtrack demo
	@echo ""
	@echo "  certtrack is starting on http://$(HOST):$(PORT)/"
	@echo "  staff back-office: http://$(HOST):$(PORT)/staff/  (admin@example.com / certtrack-demo)"
	@echo "  member portal:     http://$(HOST):$(PORT)/portal/ (sign-in links are printed below: console email)"
	@echo ""
	$(BIN)/certtrack worker & WORKER=$$!; trap "kill $$WORKER" EXIT INT TERM; \
	$(BIN)/certtrack serve --host $(HOST) --port $(PORT)

test: $(BIN)/certtrack
	$(BIN)/pytest -q $(PYTEST_ARGS)

lint: $(BIN)/certtrack
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/certtrack
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var

# Benchmark (bench/, docs/performance.md): BENCH_DB=postgres (default: the production
# database, at BENCH_PG) or sqlite.
# Data go in their own database: bench/data/bench-<size>.sqlite3, or the PostgreSQL
# database certtrack_bench (full) / certtrack_bench_quick (quick) at BENCH_PG.
BENCH_DB ?= postgres
BENCH_PG ?= postgresql://postgres@127.0.0.1:5432
BENCH_RUNS ?= 5
ifeq ($(BENCH_DB),postgres)
BENCH_URL_full := $(BENCH_PG)/certtrack_bench
BENCH_URL_quick := $(BENCH_PG)/certtrack_bench_quick
else
BENCH_URL_full := sqlite:///$(CURDIR)/bench/data/bench-full.sqlite3
BENCH_URL_quick := sqlite:///$(CURDIR)/bench/data/bench-quick.sqlite3
endif
BENCH_ENV = CERTTRACK_DATA_DIR=$(CURDIR)/bench/data CERTTRACK_EMAIL_URL=locmem:// CERTTRACK_DEBUG=
BENCH_PY = $(BIN)/python -m

bench-data: $(BIN)/certtrack
	$(BENCH_ENV) CERTTRACK_DATABASE_URL=$(BENCH_URL_full) $(BENCH_PY) bench.generate --size full

bench: $(BIN)/certtrack
	$(BENCH_ENV) CERTTRACK_DATABASE_URL=$(BENCH_URL_full) $(BENCH_PY) bench.generate --size full --if-missing
	$(BENCH_ENV) CERTTRACK_DATABASE_URL=$(BENCH_URL_full) $(BENCH_PY) bench.run --size full --runs $(BENCH_RUNS)

bench-quick: $(BIN)/certtrack
	$(BENCH_ENV) CERTTRACK_DATABASE_URL=$(BENCH_URL_quick) $(BENCH_PY) bench.generate --size quick
	$(BENCH_ENV) CERTTRACK_DATABASE_URL=$(BENCH_URL_quick) $(BENCH_PY) bench.run --size quick --runs $(BENCH_RUNS)
