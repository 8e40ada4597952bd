# Everything starts from here: `make html` builds the book, `make test` runs the tests.
# Both set up what they need on a fresh machine (virtual environment, packages, data).

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
BUILD_FLAGS := -W -n --keep-going
DEBIAN_DATA := /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz

.PHONY: html test robust gpu-check serve bench data browser clean

html: $(STAMP) data
	$(VENV)/bin/jupyter-book build . $(BUILD_FLAGS)

test: $(STAMP) data browser
	$(VENV)/bin/pytest

# A clean build with other seeds (D2L_SEED_OFFSET=1) and another thread count (one kernel at a time,
# so each gets every core): a claim that holds only for one seed or one machine fails here.
ROBUST_DIR := _build/robust
robust: $(STAMP) data
	rm -rf $(ROBUST_DIR)
	env -u BOOK_CACHE_DIR D2L_SEED_OFFSET=1 BOOK_JOBS=1 \
		$(VENV)/bin/jupyter-book build . --path-output $(ROBUST_DIR) $(BUILD_FLAGS)

# On a machine with a CUDA GPU: every PyTorch learner notebook of the last `make html`, full data, and
# train_ch5's speed -> benchmarks/results.md. Plain python3 with PyTorch: no venv, no network needed.
GPU_PYTHON ?= python3
gpu-check:
	$(GPU_PYTHON) -m benchmarks.gpu

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
