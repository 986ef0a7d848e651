# Development tasks. `make run` and `make test` start an embedded PostgreSQL and Redis
# unless DATABASE_URL and REDIS_URL name servers (see payt/devserver/cli.py).

VENV := .venv
PYTHON := $(VENV)/bin/python
LOCK := requirements.lock
# Stores the sha256 of the lock and pyproject.toml from the last successful install.
INSTALL_STAMP := $(VENV)/.install-stamp
LANGUAGES := nl en fr de

.PHONY: install run test lint bench messages lock clean-data

install:
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	@hash=$$(cat $(LOCK) pyproject.toml | sha256sum | cut -d' ' -f1); \
	if [ "$$(cat $(INSTALL_STAMP) 2>/dev/null)" = "$$hash" ]; then \
		echo "install: $(LOCK) and pyproject.toml are unchanged since the last install; skipping."; \
	else \
		$(PYTHON) -m pip install --quiet --requirement $(LOCK) && \
		$(PYTHON) -m pip install --quiet --no-deps --editable . && \
		echo "$$hash" > $(INSTALL_STAMP); \
	fi

run: install
	$(PYTHON) -m payt.devserver run

test: install
	$(PYTHON) -m payt.devserver test -m "not bench" $(ARGS)

lint: install
	$(VENV)/bin/ruff check .

# Rewrites docs/benchmarks.md from tests/bench (demo data, dunning and forecasting at scale; about 35 minutes).
bench: install
	$(PYTHON) -m payt.devserver test -m bench

# Needs GNU gettext (xgettext, msgfmt). The walk of makemessages skips dot folders such as
# .venv; compilemessages has to be told.
messages: install
	DEBUG=1 $(PYTHON) manage.py makemessages $(addprefix --locale ,$(LANGUAGES)) --ignore 'staticfiles/*'
	DEBUG=1 $(PYTHON) manage.py compilemessages --ignore .venv --ignore .data

# Re-pin every dependency to the newest release that pyproject.toml allows.
lock: install
	$(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
		--extra dev --output-file $(LOCK) pyproject.toml

clean-data:
	@if [ -f .data/pg/postmaster.pid ] && kill -0 "$$(head -n 1 .data/pg/postmaster.pid)" 2>/dev/null; then \
		echo "clean-data: the embedded PostgreSQL in .data/pg is running; stop make run or make test first." >&2; \
		exit 1; \
	fi
	rm -rf .data
