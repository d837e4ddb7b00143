# Borgerpanel: `make demo` serves a demo panel, `make test` runs everything CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo serve test lint messages chromium tools clean

demo: $(STAMP)
	$(BIN)/borgerpanel demo

serve: $(STAMP)
	$(BIN)/borgerpanel serve

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Browser tests drive Debian's Chromium; Playwright's own browser download is not used.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's Chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

# Tools the tests run: Debian's nginx (tests/integration/test_nginx.py runs the shipped
# config) and pg_dump/pg_restore for the PostgreSQL backup drill (tests/test_backup.py).
tools:
	@{ command -v nginx || test -x /usr/sbin/nginx; } >/dev/null 2>&1 || { \
	  echo "Installing Debian's nginx for the deploy test"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq nginx; }
	@command -v pg_dump >/dev/null 2>&1 || { \
	  echo "Installing postgresql-client for the backup tests"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq postgresql-client; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: $(STAMP) chromium tools lint
	$(BIN)/pytest -W error

messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k translate:2 -k t:2 --no-location \
	  --sort-output --omit-header --width 100 -o server/locale/messages.pot .
	for lang in nb nn en; do \
	  $(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete --width 100 -l $$lang \
	    -i server/locale/messages.pot -d server/locale; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
