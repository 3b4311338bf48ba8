# scrape2doc — `make` sets everything up and builds samples/ into build/; `make help` lists targets.
# INPUT=path (a page file or a folder of them), OUT=dir, -j N (documents built in parallel).
SHELL := bash
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
INPUT  ?= samples
OUT    ?= build
FONTS  ?= fonts
export SCRAPE2DOC_FONTS := $(abspath $(FONTS))
# `make -j N` reaches the recipe as -jN in MAKEFLAGS: the pipeline runs N documents at once.
JOBS    = $(or $(patsubst -j%,%,$(filter -j%,$(MAKEFLAGS))),1)
# `make docx`, `make pdf` or `make docx pdf` build just those formats (once); anything else builds both.
FORMATS = $(or $(subst $(space),$(comma),$(filter docx pdf,$(MAKECMDGOALS))),docx$(comma)pdf)
comma  := ,
space  := $(subst ,, )
ARGS   ?=

.PHONY: all help setup system build docx pdf diff review test bench mutants clean distclean

all: setup build ## first run: system packages, .venv, fonts; then build $(INPUT) into $(OUT)/

help: ## list the targets
	@grep -E '^[a-z][a-z -]*:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 16

setup: system $(VENV)/.installed $(FONTS)/.complete ## install what the pipeline needs (idempotent)

system: ## Debian packages WeasyPrint and the page count need (installed when root)
	@bash scripts/setup-system.sh runtime

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	@touch $@

$(FONTS)/.complete: scripts/fonts.sh | $(VENV)/.installed system
	bash scripts/fonts.sh $(FONTS) $(PY)
	@touch $@

build: setup ## build $(INPUT) (both formats unless `make docx` / `make pdf`)
	$(PY) -m pipeline build $(INPUT) --out $(OUT) --formats $(FORMATS) --jobs $(JOBS) $(ARGS)

docx pdf: build ## build only DOCX / only PDF (`make docx pdf INPUT=folder/ -j 2`)
	@:

diff: build ## what each stage changed, character by character (DIFF_ARGS="restore structure" / "--stat")
	@$(PY) -m pipeline diff $(OUT) $(DIFF_ARGS)

review: build ## write OUT/<doc>/review.html: stages side by side, edits filterable, warnings first
	@$(PY) -m pipeline review $(OUT)

test: setup ## run the test suite (installs the test tools: LibreOffice, poppler, qpdf, Chromium)
	@bash scripts/setup-system.sh test
	$(PY) -m pytest -q $(PYTEST_ARGS)

bench: setup ## benchmark: stage times, docs/s, peak memory, pandoc and LibreOffice ratios (never fails CI)
	@bash scripts/setup-system.sh bench
	@# The boilerplate removers bench/extractors.py measures the clean stage against, one pip call
	@# each: asked for together, pip's resolver trips over their two spellings of lxml[html_clean].
	@for p in 'trafilatura>=2.0,<3' 'justext>=3.0,<4' 'readability-lxml>=0.8,<1'; do \
	  $(PY) -m pip install -q --disable-pip-version-check "$$p" || exit 1; done
	-$(PY) bench/run.py --out $(OUT)/bench $(BENCH_ARGS)
	-$(PY) bench/pdf_bench.py
	-$(PY) bench/restore_eval.py
	-$(PY) bench/extractors.py

mutants: setup ## mutation score of the modules that decide, and the surviving mutants (slow: not in `make test`)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test,mutants]'
	@# A fresh run: mutmut keeps a result until its function changes, so an edited test would not be retried.
	rm -rf mutants
	time $(VENV)/bin/mutmut run --max-children $(shell nproc) > mutants.log 2>&1 || { tail -50 mutants.log; exit 1; }
	$(PY) bench/mutants.py $(MUTANTS_ARGS)

clean: ## remove build output
	rm -rf $(OUT)

distclean: clean ## also remove .venv, the fetched fonts and mutation testing's copy
	rm -rf $(VENV) $(FONTS) mutants mutants.log
