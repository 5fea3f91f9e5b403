# Two entry points a new user needs (see README "Quick start"):
#   make maps   set up and build the default maps from the shipped layers
#   make test   set up (including Chromium and QGIS) and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SYSTEM_PACKAGES := chromium python3-qgis qgis-providers gdal-bin poppler-utils tesseract-ocr tesseract-ocr-rus

.PHONY: maps test setup system-deps package-data

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
