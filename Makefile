# Two commands matter: `make run` and `make test`. Everything else is a step they call.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run emulators test test-all lint bench bench-all screenshots clean

install: $(STAMP)

$(STAMP): pyproject.toml functions/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' -r functions/requirements.txt
	touch $(STAMP)

# Opens the desktop client on the bundled emulator suite (it starts the suite itself).
run: install
	$(BIN)/messenger

# Only the emulator suite, as `firebase emulators:start` would, on the same data folder the
# app's own suite uses (one per OS user: app/messenger_desktop/store/paths.py), and so in
# secure mode as the app starts it: that folder holds real people's chats and password hashes,
# so no unsigned tokens, and the admin only from this machine (README, Security).
emulators: install
	$(BIN)/messenger-emulators start --config firebase.json --secure \
	    --data "$$($(BIN)/python -m messenger_desktop.store.paths suite)"

test: install
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -m "not slow"

test-all: install
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

# Style, the package boundaries (import-linter), no private names of dependencies in
# product code (scripts/check_private_use.py) and the types of app/, functions/, emulator/
# and model/ (mypy; what and how in pyproject.toml's [tool.mypy]).
lint: install
	$(BIN)/ruff check app emulator functions model tests bench scripts
	PYTHONPATH=functions $(BIN)/lint-imports
	$(BIN)/python scripts/check_private_use.py app functions model
	$(BIN)/mypy

# Lists the benchmarks; `make bench-all` runs them all (each prints its figures).
bench: install
	$(BIN)/python -m bench

bench-all: install
	$(BIN)/python -m bench all

# Screenshots of the main screens in both themes, under Xvfb, into docs/screenshots/.
screenshots: install
	bash scripts/screenshots.sh

clean:
	rm -rf $(VENV) build *.egg-info
