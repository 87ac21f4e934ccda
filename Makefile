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
