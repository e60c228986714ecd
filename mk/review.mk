# The weekly review loop (review/, README "Weekly review"). Included from the Makefile.
# The venv is order-only: reviewing never reinstalls packages (`make install` does).
# REVIEW_ARGS passes options through, e.g. REVIEW_ARGS="--endpoints deploy/endpoints.yml --days 7".
REVIEW_ARGS ?=

.PHONY: review review-list report

review: | $(VENV)/bin/python ## Review real messages the assistant was unsure of; decisions go to data/nlu/reviewed.yml
	@$(PY) -m review review $(REVIEW_ARGS)

review-list: | $(VENV)/bin/python ## The review queue as JSON lines (text, reason, intent, confidence, times seen, first seen)
	@$(PY) -m review list $(REVIEW_ARGS)

report: | $(VENV)/bin/python ## Usage report of the last 30 days: build/report/index.html
	@$(PY) -m review report $(REVIEW_ARGS)
