# Two entry points: `make run` (the demo corpus) and `make test` (the test suite).
# Both create .venv on first use (no torch: the model runs on ONNX Runtime); `run` installs
# what the service needs, `test` adds the test tools.
VENV ?= .venv
PY := $(VENV)/bin/python
DATA ?= data
PIP := $(PY) -m pip install --disable-pip-version-check

.PHONY: run test install install-dev clean

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(VENV)/.installed: pyproject.toml
	@echo "first run: creating $(VENV) and installing the dependencies (about 730 MB, no torch; pip reports each package)"
	python3 -m venv $(VENV)
	$(PIP) -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) -e '.[dev]'
	touch $@

run: install
	$(VENV)/bin/stdkg serve --data $(DATA)

test: install-dev
	$(PY) -m pytest

clean:
	rm -rf $(VENV) $(DATA)
