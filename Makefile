# The two commands a newcomer needs: `make run` and `make test` (see README.md).
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: run test test-fast test-pg lint messages system-packages

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

var:
	mkdir -p var

# Serves http://127.0.0.1:8000/ with demo data. With REDIS_URL set, no embedded Redis is started.
run: $(VENV)/.installed var
	DJANGO_SETTINGS_MODULE=branchservice.settings.dev $(PY) manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=branchservice.settings.dev $(PY) manage.py seed_demo --if-empty
	DJANGO_SETTINGS_MODULE=branchservice.settings.dev $(VENV)/bin/honcho start \
		$(if $(REDIS_URL),web worker beat,redis web worker beat)

# Chromium + a CJK font, gettext, PostgreSQL server binaries: installed with apt when missing
# (as root or with sudo -n), otherwise one line says what to install.
system-packages:
	scripts/system-packages.sh

test: system-packages $(VENV)/.installed var
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The development lane: no browser, no Redis/Celery/PostgreSQL integration. Not a substitute
# for `make test` before landing.
test-fast: $(VENV)/.installed var
	$(VENV)/bin/pytest -m "not browser and not integration" $(PYTEST_ARGS)

# The same suite on PostgreSQL: a throwaway cluster (scripts/postgres.sh), stopped afterwards.
test-pg: system-packages $(VENV)/.installed var
	scripts/postgres.sh start
	DATABASE_URL="$$(scripts/postgres.sh url)" $(VENV)/bin/pytest $(PYTEST_ARGS); \
		status=$$?; scripts/postgres.sh stop; exit $$status

# ruff, and the import layers of DESIGN.md (pyproject.toml [tool.importlinter]).
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

# Regenerate and compile the zh-hans catalogues (needs GNU gettext).
messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=tests --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv
