# Jifen developer commands. `make run` starts the demo, `make test` runs the suite.
# Everything works from a fresh clone: the first target builds .venv itself.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
# Extra pytest arguments: make test ARGS="-k seed -x"
ARGS ?=
# Paths makemessages must not scan (besides dot-directories, which it skips).
I18N_IGNORE := --ignore=.venv --ignore=var --ignore=bench --ignore=tests \
	--ignore=staticfiles --ignore=node_modules

# Prints the first Python >= 3.12: python3, then python3.12, then pyenv's newest
# 3.12.x; fails with a message when there is none.
FIND_PYTHON = for candidate in python3 python3.12 \
	  $$(command -v pyenv >/dev/null && ls -d "$$(pyenv root)"/versions/3.12.*/bin/python3.12 2>/dev/null | sort -V | tail -n 1); do \
	  if "$$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	    command -v "$$candidate"; exit 0; \
	  fi; \
	done; \
	echo "Jifen needs Python 3.12 or newer: none found as python3, python3.12 or in pyenv." >&2; \
	echo "Install one (e.g. 'pyenv install 3.12') and run make again." >&2; \
	exit 1

.PHONY: help venv run test test-tools lint messages logins

help:
	@echo "make run       migrate, seed the demo programme, start web + Celery worker + beat"
	@echo "make test      run the whole test suite (ARGS=\"...\" passes pytest arguments)"
	@echo "make lint      ruff check + ruff format --check"
	@echo "make messages  update and compile the zh_Hans translation catalogue"
	@echo "make venv      create .venv and install requirements.txt"

venv: $(STAMP)

# Re-installs only when requirements.txt changes; a venv on a Python older than
# 3.12 (or a broken one) is rebuilt.
$(STAMP): requirements.txt
	@if ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
		python="$$($(FIND_PYTHON))"; \
		echo "Creating $(VENV) with $$python"; \
		rm -rf $(VENV); \
		"$$python" -m venv $(VENV); \
	fi
	@echo "Installing requirements.txt into $(VENV)"
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

var:
	@mkdir -p var

run: export DEBUG := on
run: venv | var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@$(PY) manage.py print_logins
	$(VENV)/bin/honcho start --procfile Procfile

logins: venv
	@$(PY) manage.py print_logins

# Debian's Chromium for the browser tests and gettext for the catalogue tests.
# Installed only when missing, we are root and apt-get exists; otherwise the
# tests that need them skip with the reason.
test-tools:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v xgettext >/dev/null || missing="$$missing gettext"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing$$missing with apt-get"; \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq --no-install-recommends $$missing >/dev/null; } \
				|| echo "apt-get could not install$$missing; the tests needing it will skip" >&2; \
		else \
			echo "Missing$$missing (not root or no apt-get); the tests needing it will skip" >&2; \
		fi; \
	fi

test: venv test-tools
	$(PY) -m pytest $(ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

messages: venv
	$(PY) manage.py makemessages -l zh_Hans --add-location=file $(I18N_IGNORE)
	$(PY) manage.py compilemessages -l zh_Hans $(I18N_IGNORE)

# --- Benchmarks (bench/README.md); not part of `make test` ---------------------
# The PostgreSQL database they fill and measure; bench-data drops and recreates it.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bench
BENCH_MEMBERS ?= 1000000
BENCH_ENTRIES ?= 10000000
# Extra bench/earn.py arguments: make bench-earn BENCH_ARGS="--seconds 30"
BENCH_ARGS ?=
BENCH_ENV := DJANGO_SETTINGS_MODULE=config.settings DATABASE_URL=$(BENCH_DATABASE_URL)

.PHONY: bench-tools bench-data bench-earn

# wrk drives the load and pgbench is the yardstick; installed only when missing.
bench-tools:
	@missing=""; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	command -v pgbench >/dev/null || missing="$$missing postgresql-client"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing$$missing with apt-get"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
		else \
			echo "The benchmark needs$$missing (apt-get install$$missing)." >&2; \
			exit 1; \
		fi; \
	fi

# 1M members and 10M ledger entries by default (about 20 minutes on 2 cores).
bench-data: venv
	$(BENCH_ENV) $(PY) bench/generate.py --reset \
		--members $(BENCH_MEMBERS) --entries $(BENCH_ENTRIES)

# The earn benchmark on what bench-data made; the report also lands in bench/out/.
bench-earn: venv bench-tools
	$(BENCH_ENV) $(PY) bench/earn.py $(BENCH_ARGS)
