# Operations: load and benchmark runs, the scaled mode and the dependency audit
# (`system-deps`, scripts/install-system-deps.sh, is in the Makefile). Included from the Makefile, which defines PY, RASA, MODEL
# and VENV (and exports RASA_TELEMETRY_ENABLED=false, PYTHONPATH).

BENCH_CONVERSATIONS ?= 10
BENCH_TURNS ?= 6
BENCH_ROUNDS ?= 5
SCALING_CONVERSATIONS ?= 20
# `make load LOAD_URL=http://127.0.0.1:5005` loads an assistant that is already
# running; without LOAD_URL, `make load` starts its own and stops it afterwards.
LOAD_URL ?=
INSTANCES ?= 2
PIP_AUDIT := pip-audit==2.10.1
AUDIT_VENV := build/tools/audit-venv
AUDIT_STAMP := $(AUDIT_VENV)/.installed-$(PIP_AUDIT)

.PHONY: load bench bench-store scaling run-scaled audit

load: $(MODEL) ## Load run: N conversations x M turns, REST + socket.io (BENCH_CONVERSATIONS, BENCH_TURNS)
ifneq ($(strip $(LOAD_URL)),)
	@$(PY) -m bench.load --url $(LOAD_URL) --conversations $(BENCH_CONVERSATIONS) --turns $(BENCH_TURNS) \
	  --channel both --out bench/results/load-latest.json
else
	@$(PY) -m bench.compare --only ours --channel both --conversations $(BENCH_CONVERSATIONS) --turns $(BENCH_TURNS) \
	  --rounds $(BENCH_ROUNDS)
endif

bench: $(MODEL) ## Same load against a bare `rasa init` assistant and ours, BENCH_ROUNDS rounds each; prints ratios
	@$(PY) -m bench.compare --conversations $(BENCH_CONVERSATIONS) --turns $(BENCH_TURNS) --rounds $(BENCH_ROUNDS)

bench-store: $(STAMP) ## Milliseconds per turn to keep a conversation: Rasa's SQL store, ours, in memory
	@$(PY) -m bench.tracker_store

scaling: $(MODEL) system-deps ## Replies per second with 1, 2 and 4 Rasa instances behind nginx
	@$(PY) -m bench.scaling --conversations $(SCALING_CONVERSATIONS) --turns $(BENCH_TURNS)

run-scaled: $(MODEL) system-deps ## PostgreSQL + Redis + INSTANCES Rasa processes behind nginx; Ctrl-C stops all
	@PY=$(PY) deploy/run-scaled.sh --instances $(INSTANCES)

# pip-audit lives in its own virtual environment so that its dependencies never
# move Rasa's pins; it audits the packages installed in $(VENV).
$(AUDIT_STAMP): | $(VENV)/bin/python
	@$(PY) -m venv $(AUDIT_VENV)
	@$(AUDIT_VENV)/bin/python -m pip install --quiet --disable-pip-version-check "$(PIP_AUDIT)"
	@touch $@

audit: $(AUDIT_STAMP) ## Check installed Python packages for known vulnerabilities (pip-audit)
	@$(AUDIT_VENV)/bin/pip-audit --strict --progress-spinner off --desc on \
	  --path "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" \
	  || { echo "audit failed: vulnerabilities are listed above, or packages could not be checked because the" \
	            "vulnerability service (pypi.org/pypi/NAME/VERSION/json) is not reachable from here" >&2; exit 1; }
