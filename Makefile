# Two commands a new machine needs: `make run` and `make test`. Both create .venv by themselves.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
SUBMISSIONS ?= 120
PYTEST_ARGS ?=

# `make serve`: the production processes of the Procfile under honcho, with DEBUG=0, on PostgreSQL and Redis.
SERVE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/mmip_serve
SERVE_REDIS_URL ?= redis://127.0.0.1:6379/0
SERVE_MAIL_DIR ?= $(CURDIR)/var/mail
# Plain HTTP on this machine: no TLS redirect, no secure-only cookies, no HSTS. Mail is written to var/mail.
# Logs are JSON lines with request ids, as in production (LOG_FORMAT=plain to read them by eye).
SERVE_ENV = PATH="$(CURDIR)/$(VENV)/bin:$$PATH" DEBUG=0 SECRET_KEY="$$(cat var/serve-secret-key)" \
	DATABASE_URL="$(SERVE_DATABASE_URL)" REDIS_URL="$(SERVE_REDIS_URL)" \
	ALLOWED_HOSTS="$(HOST),localhost" MMIP_SITE_URL="http://$(HOST):$(PORT)" GUNICORN_BIND="$(HOST):$(PORT)" \
	SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 SECURE_HSTS_SECONDS=0 \
	EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend EMAIL_FILE_PATH="$(SERVE_MAIL_DIR)" \
	LOG_FORMAT="$${LOG_FORMAT:-json}"

.PHONY: install run serve worker backup restore test lint security browser format clean

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

# The Procfile's background processes only (both workers and the one beat), beside `make run`.
worker: install
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start -f Procfile fast analysis beat

serve: install
	@mkdir -p var
	@test -s var/serve-secret-key || $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > var/serve-secret-key
	$(PY) scripts/createdb-if-missing "$(SERVE_DATABASE_URL)"
	$(SERVE_ENV) $(PY) manage.py migrate --noinput
	$(SERVE_ENV) $(PY) manage.py collectstatic --noinput -v0
	$(SERVE_ENV) $(VENV)/bin/honcho start -f Procfile

# Back up the database and every uploaded and exported file into backups/mmip-backup-<UTC time>/ (or
# BACKUP=folder), with a manifest of counts and checksums; restore one into an empty, migrated database.
# Both use the environment as the app does (DATABASE_URL, MEDIA_ROOT or MMIP_S3_BUCKET...).
backup: install
	$(PY) manage.py backup $(BACKUP)

restore: install
	@test -n "$(BACKUP)" || { echo "Say which: make restore BACKUP=backups/mmip-backup-..."; exit 2; }
	$(PY) manage.py migrate --noinput
	$(PY) manage.py restore "$(BACKUP)"

# The browser tests drive Debian's Chromium; install it where we can (root with apt), never failing the build:
# without it those tests are skipped with a reason (CI sets MMIP_REQUIRE_BROWSER=1: there a skip fails).
browser:
	@if [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Chromium for the browser tests (apt-get install chromium)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
	    || echo "Could not install Chromium: the browser tests will be skipped."; \
	else echo "No Chromium and no way to install it: the browser tests will be skipped."; fi

test: install browser
	$(PY) -m pytest $(PYTEST_ARGS)

security: install
	$(VENV)/bin/bandit -q -r mmip evidence recommendations -x "*/migrations/*"
	.ci/pip-audit

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/hadolint --failure-threshold warning Dockerfile

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) node_modules
