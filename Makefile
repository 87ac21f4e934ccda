# certtrack: `make run` serves the app with demo data; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in emails, certificates and QR codes point at where `make run` serves.
export CERTTRACK_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test lint format serve worker clean bench bench-quick bench-data bench-scale bench-10m

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

# Scale (issue 18, bench/scale.py): the main figures at 100,000 and 1,000,000 enrollments on
# PostgreSQL (each data set generated once, kept by --if-missing), and each figure's growth.
# bench-10m: the same at 1,000,000 and 10,000,000 (about 15 GB of disk; documented in
# docs/performance.md, not run on the shared machine).
SCALE_RUNS ?= 3
SCALE_URL = $(BENCH_PG)/certtrack_bench_scale_
define scale_measure
	$(BENCH_ENV) CERTTRACK_DATABASE_URL=$(SCALE_URL)$(1) $(BENCH_PY) bench.generate --size full --enrollments $(2) --if-missing
	$(BENCH_ENV) CERTTRACK_DATABASE_URL=$(SCALE_URL)$(1) $(BENCH_PY) bench.scale measure --runs $(SCALE_RUNS)
endef

bench-scale: $(BIN)/certtrack
	$(call scale_measure,100k,100000)
	$(call scale_measure,1m,1000000)
	$(BENCH_PY) bench.scale compare bench/data/scale-100000.json bench/data/scale-1000000.json

bench-10m: $(BIN)/certtrack
	$(call scale_measure,1m,1000000)
	$(call scale_measure,10m,10000000)
	$(BENCH_PY) bench.scale compare bench/data/scale-1000000.json bench/data/scale-10000000.json
