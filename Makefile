# Thin wrappers over nox (see noxfile.py): each target makes sure its system
# tools are present, bootstraps nox into .venv-tools/ if needed, and runs the
# nox session of the same name.

PYTHON ?= python3
TOOLS_VENV := .venv-tools
NOX := $(TOOLS_VENV)/bin/nox
REQUIRE := tools/require-system-packages

# Python.h is needed to compile src/native/; Debian's python3 ships it apart.
PYTHON_HEADERS := $(shell $(PYTHON) -c "import os, sysconfig; \
print('' if os.path.exists(os.path.join(sysconfig.get_path('include'), 'Python.h')) else 'python3-dev')")

SYSTEM_FOR_TEST := graphviz doxygen $(PYTHON_HEADERS)
SYSTEM_FOR_BOOK := graphviz doxygen $(PYTHON_HEADERS)
SYSTEM_FOR_PDF := $(SYSTEM_FOR_BOOK) latexmk texlive-latex-recommended \
	texlive-fonts-recommended texlive-latex-extra tex-gyre
SYSTEM_FOR_NATIVE := valgrind $(PYTHON_HEADERS)
# To build CPython and run the tests cpython/build.py runs: a compiler and
# make, patch (for the series), and the headers of the libraries behind the
# extension modules those tests import (ctypes, zlib, lzma, bz2), and ssl,
# which pip needs in the virtual environment `nox -s test-pinned` makes.
SYSTEM_FOR_CPYTHON := build-essential patch pkg-config libffi-dev zlib1g-dev \
	liblzma-dev libbz2-dev libssl-dev

.PHONY: all book pdf test lint typecheck native cpython conformance conformance-backend conformance-vm bench clean

all: test book

$(NOX):
	$(PYTHON) -m venv $(TOOLS_VENV) || { $(REQUIRE) python3-venv && $(PYTHON) -m venv $(TOOLS_VENV); }
	$(TOOLS_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(TOOLS_VENV)/bin/python -m pip install --quiet "nox>=2024.10.9"

test: $(NOX)
	$(REQUIRE) $(SYSTEM_FOR_TEST) $(SYSTEM_FOR_CPYTHON)
	$(NOX) -s test test-pinned

book: $(NOX)
	$(REQUIRE) $(SYSTEM_FOR_BOOK) $(SYSTEM_FOR_CPYTHON)
	$(NOX) -s book
	@echo "The book is in _build/html/index.html"

pdf: $(NOX)
	$(REQUIRE) $(SYSTEM_FOR_PDF) $(SYSTEM_FOR_CPYTHON)
	$(NOX) -s pdf

lint: $(NOX)
	$(NOX) -s lint

typecheck: $(NOX)
	$(NOX) -s typecheck

native: $(NOX)
	$(REQUIRE) $(SYSTEM_FOR_NATIVE)
	$(NOX) -s native

cpython: $(NOX)
	$(REQUIRE) $(SYSTEM_FOR_CPYTHON)
	$(NOX) -s cpython

# Both compare with the running Python and with the pinned CPython 3.13.5,
# which they build like `make cpython` when the cache does not have it.
conformance: $(NOX)
	$(REQUIRE) $(SYSTEM_FOR_CPYTHON)
	$(NOX) -s conformance-frontend

conformance-backend: $(NOX)
	$(REQUIRE) $(SYSTEM_FOR_CPYTHON)
	$(NOX) -s conformance-backend

# Chapter 4: CPython's own test modules run on our VM, both versions.
conformance-vm: $(NOX)
	$(REQUIRE) $(SYSTEM_FOR_CPYTHON)
	$(NOX) -s conformance-vm

bench: $(NOX)
	$(REQUIRE) $(SYSTEM_FOR_CPYTHON)
	$(NOX) -s bench

clean:
	rm -rf _build build book/apidocs .nox $(TOOLS_VENV) .mypy_cache .ruff_cache .pytest_cache
	find src -name '*.so' -delete
	find . -name __pycache__ -prune -exec rm -rf {} +
