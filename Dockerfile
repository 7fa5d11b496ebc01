# One image for web (gunicorn), Celery worker, Celery beat and the one-shot migrate/bootstrap services.
# deploy/stack_test.py carries out this final stage's recipe (ENV, the pip install, the user, the writable
# directories) without Docker and starts every service of docker-compose.yml from it: keep its shape.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=epty.settings.production
WORKDIR /app
# The processes run as epty (uid 10001); its home is /app/run, one of the only places it may write.
RUN useradd --system --uid 10001 --home-dir /app/run --no-create-home epty
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY --from=assets /app/node_modules ./node_modules
COPY . .
# collectstatic needs settings to load; the key exists only for this build step. Writable by the app user:
# media (private uploads, a volume), run (gunicorn's control socket, beat's schedule, HOME), var (scratch).
RUN DJANGO_SECRET_KEY="build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    python manage.py collectstatic --no-input -v0 \
    && mkdir -p /app/media /app/run /app/var && chown epty:epty /app/media /app/run /app/var
USER epty
ENV HOME=/app/run
EXPOSE 8000
CMD ["gunicorn", "epty.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", \
     "--control-socket", "/app/run/gunicorn.ctl"]
