# exalogic.backup — developer and CI entry points. Run as root on Debian 12.
#   make demo         the main job end to end against the bundled appliance simulator
#   make test         everything CI checks (sanity, units, simulator, NFS test bed, integration, lint)
#   make test-compat  sanity + units under ansible-core 2.16 (Python 2.7/3.6 targets)
# Every target installs what it needs first (Debian packages, a pinned venv).

SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= $(CURDIR)/.venv
VENV_COMPAT ?= $(CURDIR)/.venv-2.16
BUILD ?= $(CURDIR)/.build
COLLECTION := $(BUILD)/ansible_collections/exalogic/backup
# ansible-test keeps its venvs and caches under $HOME/.ansible; keep them inside the build dir
TEST_HOME ?= $(BUILD)/home

export ANSIBLE_COLLECTIONS_PATH := $(BUILD)

.PHONY: help deps venv venv-compat layout test test-compat demo sanity units integration lint \
        simulator-tests nfs-tests fleet-tests ops-tests bench docs clean

help:
	@sed -n '2,6p' Makefile

deps:
	@tests/setup/install-deps.sh

venv: deps
	@tests/setup/make-venv.sh $(VENV) tests/requirements.txt $(PYTHON)

venv-compat: deps
	@tests/setup/make-venv.sh $(VENV_COMPAT) tests/requirements-2.16.txt $(PYTHON)

layout:
	@$(PYTHON) tests/setup/build_tree.py $(BUILD) >/dev/null || python3 tests/setup/build_tree.py $(BUILD) >/dev/null

test: venv layout
	@VENV=$(VENV) COLLECTION=$(COLLECTION) TEST_HOME=$(TEST_HOME) tests/setup/run-tests.sh all

test-compat: venv-compat layout
	@VENV=$(VENV_COMPAT) COLLECTION=$(COLLECTION) TEST_HOME=$(TEST_HOME)-2.16 tests/setup/run-tests.sh compat

sanity units integration lint simulator-tests nfs-tests fleet-tests ops-tests reference-docs: venv layout
	@VENV=$(VENV) COLLECTION=$(COLLECTION) TEST_HOME=$(TEST_HOME) tests/setup/run-tests.sh $@

bench: venv layout
	@VENV=$(VENV) COLLECTION=$(COLLECTION) TEST_HOME=$(TEST_HOME) tests/setup/run-tests.sh bench

demo: venv layout
	@VENV=$(VENV) COLLECTION=$(COLLECTION) tests/setup/demo.sh

docs: venv layout
	@PATH=$(VENV)/bin:$$PATH $(VENV)/bin/python tests/setup/gen_docs.py $(CURDIR)

clean:
	rm -rf $(BUILD) tests/output
