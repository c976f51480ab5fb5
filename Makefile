# Two commands a newcomer needs: `make demo` and `make test`. Each sets itself up.
# `make serve` runs the bundled llama.cpp server with the tiny model for your own scripts.
#
# The development environment is locked (uv.lock): both commands install exactly the locked
# versions into .venv with uv, which is itself installed from PyPI into .venv by pip, so a fresh
# machine needs only python3. `make lock` refreshes the lock; `make compat` runs the test suite
# at both ends of the declared version range (see CONTRIBUTING.md).
PYTHON     ?= python3
UV_VERSION := 0.13.9
VENV       := .venv
BIN        := $(VENV)/bin
UV         := $(BIN)/uv
STAMP      := $(VENV)/.synced
SYNC       := $(UV) sync --locked --all-extras --group dev

.PHONY: test demo serve lint typecheck pytest bench lock compat compat-lowest compat-newest package clean

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(SYNC)
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

demo: $(STAMP)
	$(BIN)/python -m examples.demo

# The bundled llama.cpp server and its tiny model, until Ctrl-C (`make serve ARGS="--port 1234"`).
serve: $(STAMP)
	$(BIN)/python -m tests.support.serve $(ARGS)

bench: $(STAMP)
	$(SYNC) --group bench
	$(BIN)/python benchmarks/overhead.py
	$(SYNC)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest -q

# Re-resolve every dependency to today's newest releases within the declared ranges.
lock: | $(UV)
	$(UV) lock --upgrade

# The test suite (no lint) on the oldest Python with the lowest declared versions, and on the
# newest Python with the newest releases (plus mypy there).
compat: compat-lowest compat-newest

compat-lowest: | $(UV)
	$(BIN)/python .ci/compat.py lowest

compat-newest: | $(UV)
	$(BIN)/python .ci/compat.py newest

# Build the wheel and sdist, install the wheel into clean venvs with each extra, import.
package: | $(UV)
	$(BIN)/python .ci/package_check.py

clean:
	rm -rf $(VENV) .venv-compat-* dist .mypy_cache .ruff_cache
