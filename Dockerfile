# syntax=docker/dockerfile:1
# One image for every Askes process: `askes db upgrade`, gunicorn (web) and `askes worker`.
# docs/deployment.md explains how to build and run it.

# The React portal, served by the API from frontend/dist:
#   PORTAL=auto (the default) compiles it when the context has frontend/package.json (with its
#     package-lock.json), and ships an empty frontend/dist (the API alone) when it has not;
#   PORTAL=build compiles it, and fails the build when frontend/package.json is missing;
#   PORTAL=none ships the API alone and never pulls Node.
ARG PORTAL=auto

FROM node:20-slim AS portal-auto
WORKDIR /frontend
# fronten[d] and package.jso[n] are wildcards on purpose: BuildKit's COPY copies nothing for a
# wildcard that matches nothing, where a plain path that does not exist fails the build. The
# manifests come first so that `npm ci` is cached until they change.
COPY frontend/package.jso[n] frontend/package-lock.jso[n] ./
RUN if [ -f package.json ]; then npm ci --no-audit --no-fund; fi
COPY fronten[d] ./
RUN if [ -f package.json ]; then npm run build; else mkdir -p dist; fi

FROM portal-auto AS portal-build
RUN test -f package.json \
    || { echo "PORTAL=build: frontend/package.json is missing (use auto or none)" >&2; exit 1; }

FROM python:3.11-slim AS portal-none
RUN mkdir -p /frontend/dist

# BuildKit builds only the stages the one named here needs, so PORTAL=none never touches Node.
# (The classic builder builds every stage; this file needs BuildKit, Compose's default builder.)
FROM portal-${PORTAL} AS portal

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ASKES_VAR_DIR=/var/lib/askes

RUN groupadd --system --gid 10001 askes \
    && useradd --system --uid 10001 --gid askes --home-dir /var/lib/askes --no-create-home \
       --shell /usr/sbin/nologin askes \
    && mkdir -p /var/lib/askes \
    && chown askes:askes /var/lib/askes

WORKDIR /app

# Dependencies in their own layer: rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; \
print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
    > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The code stays in /app and is installed in editable mode: backend/settings.py finds
# migrations/ and frontend/dist next to the backend package (PROJECT_ROOT), and a regular
# `pip install .` would move the package into site-packages, away from both.
COPY . .
RUN pip install --no-deps -e .
COPY --from=portal /frontend/dist frontend/dist

USER askes
EXPOSE 8000
CMD ["gunicorn", "-c", "python:backend.gunicorn_conf", "--bind=0.0.0.0:8000", "backend:create_app()"]
