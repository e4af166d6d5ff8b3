# Two commands a new machine needs: `make run` and `make test`. Both create .venv by themselves.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
SUBMISSIONS ?= 120
PYTEST_ARGS ?=

.PHONY: install run worker test lint format assets clean

$(STAMP): pyproject.toml constraints.txt package.json package-lock.json
	@PYBIN=$$(scripts/find-python) || exit 1; \
	if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$PYBIN"; "$$PYBIN" -m venv $(VENV); fi
	$(PY) -m pip install -q --upgrade "pip>=25.1"
	$(PY) -m pip install -q -c constraints.txt -e . --group dev
	npm ci --silent --no-audit --no-fund
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --submissions $(SUBMISSIONS) --reviewed 0.5
	$(PY) manage.py runserver $(HOST):$(PORT)

worker: install
	$(VENV)/bin/celery -A mmip worker -B --loglevel=INFO --concurrency=2

test: install
	$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; [ $$rc -eq 0 ] || exit $$rc

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) node_modules
