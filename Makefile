# Two commands: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint install frontend api-types chromium clean bench bench-fhir bench-submit bench-load bench-chaos bench-api wrk

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# TensorFlow (CPU) for the risk model's training tests and `askes model train`: about 20 s from
# a warm pip cache, about 1 GB in the virtualenv; `make run` does not need it.
TRAIN_STAMP := $(VENV)/.installed-train
$(TRAIN_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,train]'
	touch $(TRAIN_STAMP)

install: $(STAMP)

# Builds the portal when the front end exists; the API serves it from frontend/dist.
frontend:
	@if [ -f frontend/package.json ]; then \
		cd frontend && npm ci --no-audit --no-fund && npm run build; \
	fi

# The portal's typed API client: the OpenAPI spec from the app, then its TypeScript types. Run it
# after adding or changing an endpoint; a test fails while the committed files lag the app.
api-types: install
	$(BIN)/python -m backend.openapi_dump frontend/openapi.json
	cd frontend && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run api-types

run: install frontend
	$(BIN)/askes run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Unit tests of the portal (vitest), then every pytest suite, the browser tests in e2e/ included
# (they run the built portal in Debian's chromium against `askes run`).
test: install $(TRAIN_STAMP) frontend chromium
	$(BIN)/ruff check .
	cd frontend && npm test
	$(BIN)/pytest

# Claims pipeline benchmark: 100,000 generated claims through two warm workers, recorded in
# docs/benchmarks.md. Run it on a quiet machine; BENCH_CLAIMS / BENCH_WORKERS override.
BENCH_CLAIMS  ?= 100000
BENCH_WORKERS ?= 2
bench: install
	$(BIN)/askes bench pipeline --claims $(BENCH_CLAIMS) --workers $(BENCH_WORKERS) --record

# FHIR intake benchmark (docs/benchmarks.md): a Bundle of Claims to staged, and single POST
# /fhir/Claim under concurrent clients through gunicorn, driven by wrk (installed when missing).
# Needs the demo data (`askes seed demo`).
BENCH_FHIR_CLAIMS    ?= 1000
BENCH_FHIR_CLIENTS   ?= 8
BENCH_FHIR_SECONDS   ?= 15
BENCH_FHIR_PROCESSES ?= 2
bench-fhir: install wrk
	$(BIN)/askes bench fhir --claims $(BENCH_FHIR_CLAIMS) --clients $(BENCH_FHIR_CLIENTS) \
		--seconds $(BENCH_FHIR_SECONDS) --web-processes $(BENCH_FHIR_PROCESSES) --json --record

# Single-claim submission benchmark (docs/benchmarks.md): POST /api/v1/claims, each claim staged
# and adjudicated in the request, through gunicorn under 1 and 8 concurrent clients, driven by wrk
# (installed when missing). Needs the demo data (`askes seed demo`).
BENCH_SUBMIT_CLIENTS   ?= 1,8
BENCH_SUBMIT_SECONDS   ?= 15
BENCH_SUBMIT_PROCESSES ?= 2
bench-submit: install wrk
	$(BIN)/askes bench submit --clients $(BENCH_SUBMIT_CLIENTS) --seconds $(BENCH_SUBMIT_SECONDS) \
		--web-processes $(BENCH_SUBMIT_PROCESSES) --json --record

# Mixed load benchmark (docs/benchmarks.md): portal and FHIR reads, claim submissions and 837
# uploads through gunicorn at rising concurrency until p95 passes 1 s, driven by wrk on loopback.
# Needs the demo data (`askes seed demo`).
BENCH_LOAD_CLIENTS ?= 1,2,4,8,16,32,64
BENCH_LOAD_SECONDS ?= 10
bench-load: install wrk
	$(BIN)/askes bench load --clients $(BENCH_LOAD_CLIENTS) --seconds $(BENCH_LOAD_SECONDS) \
		--json --record

# Chaos run: the fault tests with Redis down for 30 s mid-batch (make test uses 5 s), on
# servers of their own. Prints pytest's verdict and timing.
BENCH_CHAOS_REDIS_SECONDS ?= 30
bench-chaos: install
	ASKES_TEST_REDIS_OUTAGE_SECONDS=$(BENCH_CHAOS_REDIS_SECONDS) $(BIN)/pytest \
		workers/tests/test_outages.py -k "redis or postgres" -q -p no:cacheprovider --durations=0
# API read benchmark (docs/benchmarks.md): the claims list with filters and totals, a claim's
# detail, the review queue and every report on BENCH_API_CLAIMS adjudicated claims (generated and
# adjudicated first when missing), BENCH_API_CLIENTS concurrent clients through gunicorn, wrk.
BENCH_API_CLAIMS    ?= 1000000
BENCH_API_CLIENTS   ?= 8
BENCH_API_SECONDS   ?= 10
BENCH_API_PROCESSES ?= 2
bench-api: install wrk
	$(BIN)/askes bench api --claims $(BENCH_API_CLAIMS) --clients $(BENCH_API_CLIENTS) \
		--seconds $(BENCH_API_SECONDS) --web-processes $(BENCH_API_PROCESSES) --json --record

# The load generator of the HTTP benchmarks, from the distribution's packages (Debian/Ubuntu).
wrk:
	@command -v wrk >/dev/null || { \
		command -v apt-get >/dev/null || { echo "install wrk with your package manager"; exit 1; }; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq wrk; }

# The browser of the e2e tests, from the distribution's packages (never `playwright install`).
chromium:
	@test -x /usr/bin/chromium || { \
		command -v apt-get >/dev/null || { echo "install chromium with your package manager"; exit 1; }; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; }

clean:
	rm -rf $(VENV) var
