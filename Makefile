# Runner recovery assistant: `make run` to chat, `make test` to check everything.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONPATH := $(CURDIR)

PYTHON ?= $(shell scripts/find-python310.sh)
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
STAMP := $(VENV)/.installed-stamp

KB := $(wildcard bot/knowledge/*.yml)
NLP_DIR := build/spacy_runner_en
NLP_STAMP := $(NLP_DIR)/kb_patterns.json
SYNONYMS := data/generated/synonyms.yml
# The folders too: a data file removed changes its folder's time, not any file's.
DATA := $(shell find data -name '*.yml') $(shell find data -type d)
MODEL := models/runner.tar.gz
EMBEDDINGS_PIN := requirements-embeddings.txt
EMBEDDINGS_DIR := build/wordllama
EMBEDDINGS := $(EMBEDDINGS_DIR)/embeddings.safetensors

-include mk/*.mk

.PHONY: help install system-deps run shell purge screenshot test lint unit validate train test-stories e2e generate nlp embeddings check bench-nlu bench-real bench-conversations bench-triage nlu-cv clean

help: ## Show the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# --- set-up ---------------------------------------------------------------------

$(STAMP): requirements.in constraints.txt scripts/make-venv.sh
	@scripts/make-venv.sh "$(PYTHON)" $(VENV)
	@touch $@

WEB_STAMP := web/node_modules/.package-lock.json

$(WEB_STAMP): web/package.json web/package-lock.json
	@echo "Installing the web page's npm packages (rasa-webchat, playwright-core)..."
	@npm ci --prefix web --no-audit --no-fund --loglevel=error
	@touch $@

system-deps: ## Debian packages (Chromium, PostgreSQL, Redis, nginx) when root
	@scripts/install-system-deps.sh

install: $(STAMP) $(WEB_STAMP) $(EMBEDDINGS) ## Create or update the Python and npm environments, fetch the embeddings

# The wheel is downloaded for one fixed platform so that its hash always matches;
# only its data files are used.
$(EMBEDDINGS): $(EMBEDDINGS_PIN) | $(STAMP)
	@echo "Fetching pretrained token embeddings (WordLlama wheel, 19 MB, from PyPI)..."
	@rm -rf $(EMBEDDINGS_DIR) && mkdir -p $(EMBEDDINGS_DIR)/wheel
	@$(PY) -m pip download --quiet --disable-pip-version-check --no-deps --require-hashes -r $(EMBEDDINGS_PIN) \
	  --platform manylinux2014_x86_64 --python-version 3.10 --only-binary=:all: -d $(EMBEDDINGS_DIR)/wheel \
	  >$(EMBEDDINGS_DIR)/pip.log 2>&1 || { grep -v "^WARNING: Location" $(EMBEDDINGS_DIR)/pip.log >&2; exit 1; }
	@$(PY) -m nlu_components.static_embeddings $(EMBEDDINGS_DIR)/wheel/wordllama-*.whl $(EMBEDDINGS_DIR)
	@rm -rf $(EMBEDDINGS_DIR)/wheel $(EMBEDDINGS_DIR)/pip.log

embeddings: $(EMBEDDINGS) ## Fetch the pretrained token embeddings the NLU uses

$(NLP_STAMP): $(KB) bot/nlp_pipeline.py bot/knowledge_base.py | $(STAMP)
	@echo "Building the spaCy pipeline from the knowledge base..."
	@$(PY) -m bot build-nlp $(NLP_DIR)

$(SYNONYMS): $(KB) bot/nlu_data.py | $(STAMP)
	@$(PY) -m bot generate

nlp: $(NLP_STAMP) ## Build the spaCy pipeline

generate: $(STAMP) ## Regenerate NLU files from the knowledge base
	@$(PY) -m bot generate

$(MODEL): $(NLP_STAMP) $(SYNONYMS) domain.yml config.yml $(DATA) $(wildcard nlu_components/*.py) $(EMBEDDINGS_PIN) | $(EMBEDDINGS)
	@echo "Training the model (data, domain or config changed; about 5 minutes on 2 cores)..."
	@rm -f $@
	@$(RASA) train --fixed-model-name $(notdir $(basename $(basename $(MODEL)))) --out $(patsubst %/,%,$(dir $(MODEL)))
	@test -f $@

train: $(MODEL) ## Train the model if data, domain or config changed

# --- use --------------------------------------------------------------------------

run: $(MODEL) $(WEB_STAMP) ## Start the assistant (action server, Rasa, web page), restarting what crashes; Ctrl-C stops it
	@$(PY) -m launch run

shell: $(MODEL) ## Chat in the terminal (rasa shell with the action server)
	@$(PY) -m launch shell

purge: $(STAMP) ## Delete conversations idle for more than RUNNER_RETENTION_DAYS (default 90)
	@$(PY) -m rasa_extensions.retention --endpoints $(or $(ENDPOINTS),endpoints.yml)

# --- checks -----------------------------------------------------------------------

lint: $(STAMP) ## ruff
	@$(VENV)/bin/ruff check .

check: $(STAMP) ## Validate the knowledge base and generated files
	@$(PY) -m bot check

unit: $(STAMP) $(EMBEDDINGS) $(NLP_STAMP) ## pytest for bot/ and actions/ (no model needed; two workers)
	@$(PY) -m pytest -q -n 2 tests/unit

validate: $(NLP_STAMP) $(SYNONYMS) ## rasa data validate
	@$(RASA) data validate --fail-on-warnings --quiet

test-stories: $(MODEL) ## rasa test on the test stories
	@$(RASA) test core --model $(MODEL) --stories tests/test_stories.yml \
	  --fail-on-prediction-errors --out results/stories --quiet

E2E_SKIPPED := build/e2e-skipped.txt

screenshot: $(MODEL) $(WEB_STAMP) ## Refresh docs/webchat.png from a real conversation in headless Chromium
	@WEBCHAT_SCREENSHOT=$(CURDIR)/docs/webchat.png $(PY) -m pytest -q tests/e2e/test_webchat.py -k desktop
	@echo "docs/webchat.png refreshed; review it before committing."

# Most modules run on two xdist workers (one module per worker at a time; 6 min instead of 9
# on 2 cores). Modules that time restarts, kills or page timeouts run alone afterwards, so
# the other worker's load can't skew their clocks.
E2E_ALONE := tests/e2e/test_faults.py tests/e2e/test_scaled.py tests/e2e/test_review_scaled.py tests/e2e/test_webchat.py

e2e: $(MODEL) ## End-to-end tests through the real servers (a skip fails under CI=true)
	@status=0; \
	$(PY) -m pytest -q -rs --durations=15 -n 2 --dist loadfile $(addprefix --ignore=,$(E2E_ALONE)) tests/e2e || status=1; \
	E2E_SKIPPED_APPEND=1 $(PY) -m pytest -q -rs --durations=5 $(E2E_ALONE) || status=1; \
	exit $$status

test: ## Everything, from a clean clone (CI runs this)
	@$(MAKE) --no-print-directory system-deps install
	@$(MAKE) --no-print-directory lint check unit
	@$(MAKE) --no-print-directory validate
	@$(MAKE) --no-print-directory train
	@$(MAKE) --no-print-directory test-stories
	@$(MAKE) --no-print-directory e2e
	@if [ -s $(E2E_SKIPPED) ]; then \
	  echo "NOT all checks ran: these end-to-end tests were skipped (make system-deps as root installs what they need):"; \
	  cat $(E2E_SKIPPED); exit 1; \
	fi
	@echo "All checks passed."

bench-nlu: $(MODEL) ## NLU accuracy on the held-out set vs a baseline and without the entity ruler
	@$(PY) -m bench.nlu_benchmark

# The real set is not in the repository: `make bench-real SET=path/to/messages.yml`.
bench-real: $(MODEL) ## Intent F1, red flags, false alarms and useful replies on real messages (SET=file)
	@$(PY) -m bench.real_benchmark "$(or $(SET),../shared/data/real_runner_messages.yml)"

bench-conversations: $(MODEL) ## Multi-turn conversations that hold start to end (SET=file, e.g. bench/sets/conversations_fresh.yml)
	@$(PY) -m bench.conversations "$(or $(SET),bench/sets/conversations_fresh.yml)"

bench-triage: $(STAMP) ## Triage recall and false alarms (fresh sets, or SET=path in the real set's format; MODEL_CHECK=1 adds the model)
	@$(PY) -m bench.triage_bench $(SET) $(if $(MODEL_CHECK),--model $(MODEL))

nlu-cv: $(NLP_STAMP) $(SYNONYMS) $(EMBEDDINGS) ## Choose NLU settings by 5-fold cross-validation on the training data (~15 min)
	@$(PY) -m bench.nlu_cv

clean: ## Remove build outputs (keeps the venv)
	rm -rf build models results .pytest_cache
