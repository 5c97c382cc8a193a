# Two commands for a newcomer:  make run   (demo app on http://127.0.0.1:8000)
#                               make test  (the whole test suite)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
HOST   ?= 127.0.0.1

.PHONY: run test test-future venv system-deps lint format migrate demo worker beat bench messages clean prod load

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

migrate: venv
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py loaddemo

run: demo
	@echo "Serving on http://$(HOST):$(PORT)/  (log in as vanphong / demo1234)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Debian packages the tests use: Chromium for the browser tests, LibreOffice
# and poppler to convert generated documents, faketime (libfaketime) for
# `make test-future`. Installed when missing and this user may use apt-get;
# otherwise those tests skip and say why.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v faketime >/dev/null 2>&1 || missing="$$missing faketime"; \
	command -v soffice >/dev/null 2>&1 || missing="$$missing libreoffice-writer-nogui fonts-liberation"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	dpkg -s libreoffice-calc-nogui >/dev/null 2>&1 || missing="$$missing libreoffice-calc-nogui"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null) \
	      || echo "warning: could not install$$missing; the tests that need them will skip"; \
	  else \
	    echo "note:$$missing not installed (needs root + apt-get); the tests that need them will skip"; \
	  fi; \
	fi

# The suite runs on TEST_JOBS processes (pytest-xdist; "auto": one per core), each with its own test
# database; tests that start processes on shared services run one after another on one of them
# (tests/conftest.py, SERVICES_GROUP). TEST_JOBS=0 runs everything in this one process.
TEST_JOBS ?= auto
PYTEST := $(BIN)/python -m pytest -n $(TEST_JOBS) --dist loadgroup

test: venv system-deps
	$(PYTEST)

# The suite again with the machine's clock years ahead, as CI runs it after `make test`: the tests
# fix their own clock (time-machine, tests/conftest.py), so none may depend on the real date.
# libfaketime wraps only the pytest process tree (the live server thread, Chromium, the Celery
# worker, LibreOffice, manage.py bench inherit LD_PRELOAD), never make, pip, apt-get or the
# PostgreSQL and Redis servers, which are already running outside it.
#   FAKE_TIME  a libfaketime spec: "+3y" (an offset, the default), or "@2030-12-31 09:00:00"
#   -m                       the thread-safe library: the live server, Chromium and Playwright run threads
#   FAKETIME_DONT_RESET=1    with an "@" start date, child processes carry on from the parent's clock
#                            instead of starting again at that date (an offset is the same everywhere anyway)
#   NO_FAKE_STAT=1           file times stay real where a libfaketime build would shift them too (Debian's
#                            does not): only the clock moves, .pyc files in a shared virtualenv stay valid
# The monotonic clock is left faked (shifted by the same amount, so intervals are right):
# FAKETIME_DONT_FAKE_MONOTONIC=1 makes Python's time.sleep fail with EINVAL under libfaketime 0.9.10.
FAKE_TIME ?= +3y
# The fault tests (stopping Redis, cutting the database off) depend on no date and take minutes;
# they run once, in `make test`. Property tests and generated API requests run a quarter of their
# examples (TEST_EXAMPLES_SCALE, tests/helpers.py): this run is about the clock, not the search.
test-future: venv system-deps
	@command -v faketime >/dev/null 2>&1 \
	  || { echo "error: faketime is not installed (make system-deps installs it as root with apt-get)"; exit 1; }
	@FAKETIME_DONT_RESET=1 NO_FAKE_STAT=1 faketime -m -f "$(FAKE_TIME)" date +"The tests' machine clock: %F %T %Z"
	FAKETIME_DONT_RESET=1 NO_FAKE_STAT=1 TEST_EXAMPLES_SCALE=0.25 faketime -m -f "$(FAKE_TIME)" $(PYTEST) -m "not faults"

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

worker: venv
	$(BIN)/celery -A config worker --loglevel=INFO

beat: venv
	$(BIN)/celery -A config beat --loglevel=INFO

# Production: the web, worker and beat processes of the Procfile, run by honcho, after Django's
# deploy check, the migrations and collectstatic. Settings from the environment or a .env file
# (honcho reads it for every step); README, Production.
prod: venv
	$(BIN)/honcho run $(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/honcho run $(BIN)/python manage.py migrate --noinput
	$(BIN)/honcho run $(BIN)/python manage.py collectstatic --noinput -v0
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start

# The load test (by hand, never in CI): builds its own database and servers; README, Operations.
load: venv
	$(BIN)/python -m targets.devtools.load $(LOAD_ARGS)

bench: venv
	$(BIN)/python manage.py bench --units $(or $(UNITS),137)

messages: venv
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --no-obsolete
	$(BIN)/python manage.py compilemessages -l en --ignore=.venv

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
