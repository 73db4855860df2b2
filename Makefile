# Two commands: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint install frontend clean bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Builds the portal when the front end exists; the API serves it from frontend/dist.
frontend:
	@if [ -f frontend/package.json ]; then \
		cd frontend && npm ci --no-audit --no-fund && npm run build; \
	fi

run: install frontend
	$(BIN)/askes run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: install
	$(BIN)/ruff check .
	$(BIN)/pytest

# Claims pipeline benchmark: 100,000 generated claims through two warm workers, recorded in
# docs/benchmarks.md. Run it on a quiet machine; BENCH_CLAIMS / BENCH_WORKERS override.
BENCH_CLAIMS  ?= 100000
BENCH_WORKERS ?= 2
bench: install
	$(BIN)/askes bench pipeline --claims $(BENCH_CLAIMS) --workers $(BENCH_WORKERS) --record

clean:
	rm -rf $(VENV) var
