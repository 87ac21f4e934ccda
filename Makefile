# certtrack: `make run` serves the app with demo data; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in emails, certificates and QR codes point at where `make run` serves.
export CERTTRACK_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test lint format serve worker clean bench bench-quick bench-data bench-scale bench-10m

# What running needs (`make run`); the test extras (pytest, Playwright, ruff…) only for
# `make test`, `make lint` and `make format`.
TESTING := $(VENV)/.test-extras

# setuptools warns on every editable install that a folder named like the package in the
# working directory may take precedence: here that folder is the package itself.
EDITABLE = PYTHONWARNINGS="ignore:Editable installation" $(BIN)/pip install --quiet -e

$(BIN)/certtrack: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(EDITABLE) .
	touch $(BIN)/certtrack

$(TESTING): $(BIN)/certtrack
	$(EDITABLE) '.[test]'
	touch $(TESTING)

# Waits until the server accepts connections (at most a minute).
WAIT_FOR_SERVER = $(BIN)/python -c "import socket, time; any(socket.socket().connect_ex(('$(HOST)', $(PORT))) == 0 or time.sleep(0.2) for _ in range(300))"
# The database `make run` uses, for a command typed in another shell (a new user's trial
# ran the banner's apitoken line there without CERTTRACK_DATA_DIR: another, empty database).
DATABASE_ENV = $(if $(CERTTRACK_DATA_DIR),CERTTRACK_DATA_DIR=$(CERTTRACK_DATA_DIR) )$(if $(CERTTRACK_DATABASE_URL),CERTTRACK_DATABASE_URL=$(CERTTRACK_DATABASE_URL) )
# Printed once the server listens, so it is the last thing on the console.
SIGN_IN = printf '%s\n' '' \
  '  certtrack is running on http://$(HOST):$(PORT)/' \
  '  staff back-office: http://$(HOST):$(PORT)/staff/' \
  '      admin@example.com / certtrack-demo (administrator)' \
  '      staff@example.com / certtrack-demo (staff)' \
  '  member portal:     http://$(HOST):$(PORT)/portal/' \
  '      sign-in links are emailed to this console: look for http://$(HOST):$(PORT)/portal/sign-in/' \
  '  API (README.md, "API"), in another shell:' \
  '      export TOKEN=$$($(DATABASE_ENV).venv/bin/certtrack apitoken admin@example.com --name shell --rotate | tail -n 1)' \
  '      export BASE=http://$(HOST):$(PORT)/api/v1' \
  '      curl -s -H "Authorization: Bearer $$TOKEN" "$$BASE/enrollments/status-counts"' \
  '  Ctrl-C stops the server and the worker.' ''

run: $(BIN)/certtrack
	$(BIN)/certtrack migrate --verbosity 0
	$(BIN)/certtrack demo
	@$(BIN)/certtrack worker & WORKER=$$!; \
	{ $(WAIT_FOR_SERVER); sleep 1; $(SIGN_IN); } & BANNER=$$!; \
	trap "kill $$WORKER $$BANNER 2>/dev/null" EXIT INT TERM; \
	$(BIN)/certtrack serve --host $(HOST) --port $(PORT)

test: $(TESTING)
	$(BIN)/pytest -q $(PYTEST_ARGS)

lint: $(TESTING)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(TESTING)
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
# docs/performance.md "Scale, second round"; data generation about 75 minutes).
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
