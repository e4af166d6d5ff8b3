# syntax=docker/dockerfile:1
# MMIP Evidence: one image for every process of the Procfile (web, fast, analysis, beat). The default command
# is the web process; compose.yaml (or your orchestrator) runs the others with the Procfile's commands.
# Built and checked in CI with hadolint only: Docker does not run on the project's machines (README, "Deploy").

# --- 1. Front-end packages (Bootstrap, htmx, Chart.js) from package-lock.json --------------------------------
FROM node:22-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# --- 2. Python dependencies in a virtualenv, and the static files collected --------------------------------
FROM python:3.13-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
# Dependencies first (pinned by constraints.txt), so a code change does not reinstall them.
COPY pyproject.toml constraints.txt README.md ./
COPY mmip/__init__.py mmip/__init__.py
COPY evidence/__init__.py evidence/__init__.py
COPY recommendations/__init__.py recommendations/__init__.py
RUN pip install -c constraints.txt ".[s3,sentry]" && pip uninstall -y mmip-evidence
COPY . .
COPY --from=assets /src/node_modules ./node_modules
# Hashed, compressed files for WhiteNoise (CompressedManifestStaticFilesStorage). The key only lets the
# settings load: nothing is signed at build time.
RUN DEBUG=0 SECRET_KEY=collectstatic-only ALLOWED_HOSTS=build.invalid STATIC_ROOT=/app/staticfiles \
    python manage.py collectstatic --noinput -v0 \
 && rm -rf node_modules var

# --- 3. The runtime: no compilers, no node, a user without privileges ---------------------------------------
FROM python:3.13-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DEBUG=0 \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    CELERY_BEAT_SCHEDULE_FILENAME=/data/beat/celerybeat-schedule \
    GUNICORN_BIND=0.0.0.0:8000
COPY --from=build /opt/venv /opt/venv
# The code and collected static files belong to root: the app cannot change them. It writes only its media
# (a volume) and var/ (beat's schedule).
COPY --from=build /app /app
RUN groupadd --system --gid 10001 mmip \
 && useradd --system --uid 10001 --gid mmip --home-dir /app --shell /usr/sbin/nologin mmip \
 && mkdir -p /data/media /data/beat /app/var \
 && chown -R 10001:10001 /data /app/var
WORKDIR /app
USER 10001:10001
EXPOSE 8000
VOLUME ["/data/media"]
# The web process by default; health checks are the orchestrator's (compose.yaml: /readyz on web).
CMD ["gunicorn", "--config", "mmip/gunicorn.conf.py", "mmip.wsgi"]
