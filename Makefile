# Everything starts from here: `make html` builds the book, `make test` runs the tests.
# Both set up what they need on a fresh machine (virtual environment, packages, data).

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
BUILD_FLAGS := -W -n --keep-going
DEBIAN_DATA := /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz

.PHONY: html test serve bench data browser clean

html: $(STAMP) data
	$(VENV)/bin/jupyter-book build . $(BUILD_FLAGS)

test: $(STAMP) data browser
	$(VENV)/bin/pytest

serve: html
	@echo "Reading the book at http://localhost:8000 (Ctrl-C stops)"
	$(PY) -m http.server --directory _build/html 8000

bench: $(STAMP) data
	$(PY) -m benchmarks

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Fashion-MNIST: Debian's package where apt is available and we are root, else d2l_local downloads
# it; either way the files are verified against their checksums.
data: $(STAMP)
	@if [ ! -f $(DEBIAN_DATA) ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist; fi
	$(PY) -c "from d2l_local import data; data.load_arrays(); print('Fashion-MNIST: verified')"

# Headless Chromium for the browser tests (Debian's package; nothing downloads a browser).
browser:
	@if ! command -v chromium >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq chromium chromium-driver; fi

clean:
	rm -rf _build
