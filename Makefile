# Two entry points: `make run` (the demo corpus) and `make test` (the test suite).
# Both create .venv on first use (no torch: the model runs on ONNX Runtime).
VENV ?= .venv
PY := $(VENV)/bin/python
DATA ?= data

.PHONY: run test install clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@echo "first run: creating $(VENV) and installing the dependencies (about 400 MB; pip reports each package)"
	python3 -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -e '.[dev]'
	touch $@

run: install
	$(VENV)/bin/stdkg serve --data $(DATA)

test: install
	$(PY) -m pytest

clean:
	rm -rf $(VENV) $(DATA)
