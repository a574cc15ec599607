# Two entry points: `make run` (the demo corpus) and `make test` (the test suite).
# Both create .venv on first use; torch is installed first so that pip takes the CPU build.
VENV ?= .venv
PY := $(VENV)/bin/python
DATA ?= data

.PHONY: run test install clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

run: install
	$(VENV)/bin/stdkg serve --data $(DATA)

test: install
	$(PY) -m pytest

clean:
	rm -rf $(VENV) $(DATA)
