# eport: `make run` serves the app on embedded defaults; `make test` runs the whole suite on
# throwaway PostgreSQL and Redis servers.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: run test install bench lint format messages clean verifier

run: install
	scripts/run.sh

test: install
	scripts/test.sh

install: $(INSTALLED)

$(INSTALLED): requirements.txt requirements-dev.txt
	scripts/bootstrap.sh "$(PYTHON)" "$(VENV)"
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The zh-Hans catalogue: extract every marked string, keep the translations, compile. Both files
# are committed; a test fails on any string left untranslated or fuzzy.
messages: install
	$(PY) manage.py makemessages --locale zh_Hans --add-location file --no-obsolete \
	  --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*' \
	  --ignore 'scripts/*' --ignore 'ledger/*'
	$(PY) manage.py compilemessages --locale zh_Hans --ignore '.venv/*'

bench: install
	scripts/bench.sh

# The standalone receipt verifier (ledger/verifier/pyproject.toml) as a wheel in dist/: copy it to
# any machine with Python 3.11+ and `pip install` it (cryptography and rfc8785 come with it).
verifier: install
	$(PY) -m pip wheel --quiet --no-deps --disable-pip-version-check --wheel-dir dist ./ledger/verifier
	@ls dist/eport_receipt_verifier-*.whl

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
