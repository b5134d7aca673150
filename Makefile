# Rectify — the two commands are `make demo` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
DATABASE_URL_TEST_PG ?= postgres://postgres@127.0.0.1:5432/test
export DATABASE_URL_TEST_PG
# With DEBUG off the built-in development key is refused: the demo (benchmarks, messages) use a
# random key made once here, unless SECRET_KEY or SECRET_KEY_FILE is set.
DEMO_SECRET_KEY := $(abspath $(or $(RECTIFY_VAR_DIR),var))/demo-secret-key
ifeq ($(SECRET_KEY)$(SECRET_KEY_FILE),)
WITH_KEY := SECRET_KEY_FILE=$(DEMO_SECRET_KEY)
endif

.PHONY: setup demo test test-sqlite test-pg lint format messages bench clean

# Idempotent: the venv and the locked dependencies, nothing else.
setup: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11 / Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

# The main job: migrate, load the demo campaign once, serve it locally.
demo: setup $(DEMO_SECRET_KEY)
	$(WITH_KEY) $(VENV)/bin/rectify demo --serve --host $(HOST) --port $(PORT)

$(DEMO_SECRET_KEY):
	@mkdir -p $(dir $@)
	@umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@
	@echo "演示密钥 / Demo secret key: $@"

# The whole suite: SQLite first, then PostgreSQL (required when CI=true).
test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) scripts/run_tests.py

lint: setup
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

# Regenerate and compile the translations (needs GNU gettext).
messages: setup $(DEMO_SECRET_KEY)
	cd rectify && $(WITH_KEY) ../$(PY) ../manage.py makemessages -l zh_Hans --no-obsolete --no-location --no-wrap
	cd rectify && $(WITH_KEY) ../$(PY) ../manage.py compilemessages -l zh_Hans

# Benchmarks print their figures (see bench/README.md); never part of the test suite.
# requirements-bench.lock adds string-grouper (compared with in bench/cluster.py) to the venv.
bench: setup $(DEMO_SECRET_KEY)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements-bench.lock
	$(WITH_KEY) $(PY) bench/import_feedback.py
	$(PY) bench/cluster.py
	$(PY) bench/quality.py

clean:
	rm -rf $(VENV) var/*.sqlite3*
