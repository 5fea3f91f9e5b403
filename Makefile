# Two entry points a new user needs (see README "Quick start"):
#   make maps   set up and build the default maps from the shipped layers
#   make test   set up (including Chromium and QGIS) and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SYSTEM_PACKAGES := chromium python3-qgis qgis-providers gdal-bin poppler-utils tesseract-ocr tesseract-ocr-rus

.PHONY: maps test setup system-deps package-data test-minimums

$(BIN)/kzgeo: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,bench]'
	touch $@

setup: $(BIN)/kzgeo

maps: setup
	$(BIN)/kzgeo validate
	$(BIN)/kzgeo build

# Browser and QGIS tests need Debian packages; install them when missing (root).
system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

test: system-deps setup
	$(BIN)/python -m pytest

# layers/ and maps/ are the copies people edit; the wheel carries kzgeo/data/{layers,maps}.
package-data:
	$(PYTHON) tools/sync_package_data.py

# The suite against every runtime dependency at its declared minimum (tools/minimum_requirements.py),
# in its own environment; pytest's own warning filter is off because old releases warn about
# deprecations the pinned ones no longer have. Left out: the wheel and benchmark tests (they need
# the build backend and lonboard, not kzgeo's runtime) and the byte-for-byte rebuild of the
# committed backdrop, which is derived with the pinned shapely/GEOS (`make test` checks it; an
# older GEOS simplifies a few vertices differently). Not part of `make test`.
MIN_VENV := .venv-min
test-minimums: system-deps
	$(PYTHON) -m venv $(MIN_VENV)
	$(PYTHON) tools/minimum_requirements.py > $(MIN_VENV)/minimums.txt
	$(MIN_VENV)/bin/pip install --quiet --only-binary :all: -r $(MIN_VENV)/minimums.txt
	$(MIN_VENV)/bin/pip install --quiet -c $(MIN_VENV)/minimums.txt -e '.[test]'
	$(MIN_VENV)/bin/python -m pytest -p no:warnings --ignore=tests/test_packaging.py --ignore=tests/test_scale_benchmark.py \
	  --deselect tests/test_reproducible.py::test_committed_backdrop_is_what_the_script_derives
