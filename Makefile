# The two set-up commands (see README): `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# `make run` installs what running needs; `make test` adds the development tools. uv installs
# the packages pyproject.toml names, as pip would, in seconds instead of a minute or more, and
# compiles their bytecode: where PYTHONDONTWRITEBYTECODE is set (as on CI's machine) Python
# otherwise compiled every module from source in every process it started, ~3.8 s of CPU each
# (a test run starts dozens: its workers, the servers and commands some tests start).
UV := $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
DEMO_URL := http://127.0.0.1:8000/

.PHONY: run test install lint messages clean

$(RUN_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv>=0.5,<1"
	$(UV) -e .
	touch $(RUN_STAMP)

$(DEV_STAMP): $(RUN_STAMP)
	$(UV) -e ".[dev]"
	touch $(DEV_STAMP)

install: $(DEV_STAMP)

## Install, create the SQLite database with demo data, and serve on http://127.0.0.1:8000
run: $(RUN_STAMP)
	@DEBUG=1 $(BIN)/python manage.py migrate --noinput -v 0
	@DEBUG=1 $(BIN)/python manage.py seed_demo --url $(DEMO_URL)
	@DEBUG=1 DJANGO_RUNSERVER_HIDE_WARNING=true $(BIN)/python manage.py runserver 127.0.0.1:8000

## Run the whole test suite (SQLite and in-process tasks unless DATABASE_URL / REDIS_URL are set)
## in parallel processes, one per core (TEST_WORKERS=0 runs it in this process); one more than
## the cores was measured slower (10 min instead of 8 on SQLite). The project's own bytecode is
## compiled first, for the reason given at UV above.
TEST_WORKERS ?= auto
test: $(DEV_STAMP)
	$(BIN)/python -m compileall -q -j 0 -x '/\.venv/' .
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

## Refresh the translation catalogues (needs GNU gettext)
messages: $(DEV_STAMP)
	DEBUG=1 $(BIN)/python manage.py makemessages --all --no-obsolete --ignore=.venv --ignore=bench
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
