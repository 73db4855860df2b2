# syntax=docker/dockerfile:1
# One image for every Askes process: `askes db upgrade`, gunicorn (web) and `askes worker`.
# docs/deployment.md explains how to build and run it.

# PORTAL=build compiles the React portal from frontend/ (needs frontend/package.json and
# package-lock.json). PORTAL=none ships the API alone, with an empty frontend/dist.
ARG PORTAL=build

FROM node:20-slim AS portal-build
WORKDIR /frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim AS portal-none
RUN mkdir -p /frontend/dist

# BuildKit builds only the stage named here, so PORTAL=none never touches Node.
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
