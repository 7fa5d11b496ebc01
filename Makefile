# epty: the two commands are `make run` and `make test`; `make check` runs the checkers (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_COUNT ?= 20000
DEMO_SEED ?= 42
RUN_PORT ?= 8000

.PHONY: run test test-replica test-deploy check install install-dev assets migrate demo check-deploy messages bench-search clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/activate assets
	$(BIN)/pip install --quiet -r requirements.txt

install-dev: $(BIN)/activate assets
	$(BIN)/pip install --quiet -r requirements-dev.txt

# Third-party browser assets (Leaflet) come from npm, pinned in package-lock.json.
assets: node_modules/.package-lock.json
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --silent

migrate: install
	$(BIN)/python manage.py migrate --no-input

# Demo data is loaded once: a generated catalogue served by the Matrikkelen stand-in on loopback and
# loaded through the real sync (SOAP client on Kartverket's contract, mapping, upsert), and the real open
# address register of Elverum (data/) through the stand-in's download feed and the open-data import a
# production operator uses, with generated building facts marked synthetic. Later runs keep what is there.
# Then the deployment's first-run command without the register import: the first valuation model is trained
# and activated (once; its estimates written), market trends refreshed, each step timed.
demo: migrate
	@if [ "$$($(BIN)/python manage.py shell -v0 --no-imports -c 'from properties.models import Property; print(Property.objects.exists())')" = "True" ]; then \
		echo "Demo data already loaded."; \
	else $(BIN)/python manage.py matrikkel_standin --load --count $(DEMO_COUNT) --seed $(DEMO_SEED); fi
	$(BIN)/python manage.py bootstrap --skip-register

## make run: a fresh machine to http://127.0.0.1:8000 (RUN_PORT) on the embedded defaults (SQLite, a file cache
## under var/cache shared by every process, in-process tasks).
run: demo
	MATRIKKEL_STANDIN_COUNT=$(DEMO_COUNT) $(BIN)/python manage.py runserver 127.0.0.1:$(RUN_PORT)

## make test: the whole test suite, on two pytest-xdist workers (one test database each; an idle worker takes
## queued tests from the busy one, so the long sync kill/restart test does not leave one waiting; PYTEST_WORKERS=0
## runs it in one process). Set DATABASE_URL and REDIS_URL to test on PostgreSQL and Redis (as CI does).
PYTEST_WORKERS ?= 2
test: install-dev
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

## make test-replica: read traffic on a real streaming replica (epty/tests/test_replica.py): pg_basebackup of the
## PostgreSQL at DATABASE_URL into a second cluster on REPLICA_PORT, started as the postgres OS user, stopped and
## removed at the end. Needs PostgreSQL 15's binaries on this machine and replication allowed from loopback.
REPLICA_PORT ?= 5433
test-replica: install-dev
	DATABASE_REPLICA_URL=$$($(BIN)/python -m epty.tests.streaming_replica url $(REPLICA_PORT)) \
		$(BIN)/python -m pytest -p no:xdist -m replica epty/tests/test_replica.py $(PYTEST_ARGS)

## make test-deploy: the deployment without Docker (deploy/stack_test.py): the Dockerfile's recipe in a virtualenv
## of its runtime requirements, every docker-compose.yml service started from .env.example as the image's user on
## this machine's PostgreSQL (database epty_deploytest) and Redis (db 12), health checks, a model trained by the
## worker and loaded by web, backup and restore; then the same stack broken on purpose must fail.
test-deploy: install-dev
	$(BIN)/python deploy/stack_test.py $(DEPLOYTEST_ARGS)
	$(BIN)/python deploy/stack_test.py --set MATRIKKEL_SOURCE=soap --expect-failure $(DEPLOYTEST_ARGS)

## make check: the checks CI runs before the tests (configured in pyproject.toml): lint and import order,
## who may import whom, types.
check: install-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy .

check-deploy: install
	DJANGO_SETTINGS_MODULE=epty.settings.production DJANGO_SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))') \
		DJANGO_ALLOWED_HOSTS=epty.no $(BIN)/python manage.py check --deploy --fail-level WARNING

messages: install
	$(BIN)/python manage.py makemessages -l nb --ignore=.venv --ignore=node_modules --ignore=bench
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules

bench-search: install-dev
	$(BIN)/python bench/search.py --sizes 100000,1000000

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3
