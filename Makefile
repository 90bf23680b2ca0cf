# autograd-course: `make lab` to learn, `make test` to check everything.
# Both create .venv on first use (Python 3.10+ as python3, or PYTHON=...).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
PORT   ?= 8888

.PHONY: lab test test-quick lint bench bench-smoke bench-gpu clean

# The course environment: the package, JupyterLab, nbgrader's student side, widgets.
$(VENV)/.course: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q -U pip
	$(PIP) install -q -e '.[course]'
	touch $@

# The test environment adds the oracle (PyTorch CPU, exactly 2.13.0) and the benchmark peers,
# and leaves out rfc3987-syntax: jsonschema[format-nongpl]'s checker of the "iri" format, which
# no notebook or Jupyter schema uses. At import it compiles some 35 Lark grammars, 1.3 s of CPU
# in every process that loads nbformat: each nbgrader command, nbval run and Jupyter server the
# course's tests start. Without it, tests/test_course.py -k "02_tensors or 03_graph" took 60 s
# of user CPU instead of 91-95 s (66 s wall instead of 72-78 s). jsonschema imports it only if
# it is there (python-jsonschema/jsonschema#1428).
$(VENV)/.test: $(VENV)/.course
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[course,grading,test,bench]'
	$(PIP) uninstall -y -q rfc3987-syntax
	touch $@

# The student's side of nbgrader only (the Validate button, the assignment list; no formgrader,
# course list or create-assignment panel), as on Binder; and the language links
# (autograd_course.lab_language: <server>/autograd-course/lang/zh-CN?next=lab/tree/...).
$(VENV)/.lab: $(VENV)/.course binder/setup-extensions.sh
	PATH="$(abspath $(VENV))/bin:$$PATH" bash binder/setup-extensions.sh
	touch $@

# `make lab LANG=zh-CN`: the Chinese lessons (course/<lesson>.zh-CN/, the first one opened) and
# JupyterLab's interface in Chinese (jupyterlab-language-pack-zh-CN); a system locale zh_CN.* does
# the same. Plain `make lab`: English. Both with the shipped settings, binder/lab-settings/<lang>
# (no "get notified about official Jupyter news?" toast). The Chinese plots need Debian's
# fonts-noto-cjk (binder/apt.txt): checked here, with Matplotlib's font list refreshed if the fonts
# came after it.
LAB_LANG := $(if $(filter zh-CN zh_CN zh_CN.% zh,$(LANG)),zh-CN,en)
FIRST_ZH := $(firstword $(sort $(wildcard course/*.zh-CN/*.zh-CN.ipynb)))

lab: $(VENV)/.lab
ifeq ($(LAB_LANG),zh-CN)
	@fc-list 2>/dev/null | grep -q "Noto Sans CJK" || echo "warning: no Noto Sans CJK font: \
	Chinese text in plots will not render; install it (Debian/Ubuntu: sudo apt-get install \
	fonts-noto-cjk; macOS: brew install --cask font-noto-sans-cjk-sc)" >&2
	@$(PY) -c "from matplotlib import font_manager as fm; \
	    cjk = lambda: any('Noto Sans CJK' in f.name for f in fm.fontManager.ttflist); \
	    cjk() or fm._load_fontmanager(try_read_cache=False)" 2>/dev/null || true
	@[ -n "$(FIRST_ZH)" ] || echo "note: no Chinese lesson is built yet (scripts/i18n.py \
	build, once i18n/zh_CN/<lesson>.po is translated): the interface only is in Chinese" >&2
endif
	$(if $(filter zh-CN,$(LANG)),env -u LANG,) $(VENV)/bin/jupyter lab --notebook-dir=course \
		--port=$(PORT) --LabApp.app_settings_dir="$(abspath binder/lab-settings/$(LAB_LANG))" \
		$(if $(and $(filter zh-CN,$(LAB_LANG)),$(FIRST_ZH)),\
		--ServerApp.default_url=/lab/tree/$(patsubst course/%,%,$(FIRST_ZH)),) \
		$(if $(filter 0,$(shell id -u)),--allow-root,)

# Two passes: the library's tests (thousands of short ones, one process each) spread over the
# cores by pytest-xdist; then the course's (notebooks, grading, Dask, the browser: marked slow,
# notebooks or browser), in one process, as they already run their kernels and graders side by
# side and their time limits assume no other test competes. Both run even if the first fails.
test: $(VENV)/.test
	$(PY) -m pytest -n 2 -m "not slow and not notebooks and not browser"; lib=$$?; \
	$(PY) -m pytest -m "slow or notebooks or browser" --durations=20; course=$$?; \
	[ $$lib -eq 0 ] && [ $$course -eq 0 ]

# A quick loop for development: library tests only, fewer hypothesis examples.
test-quick: $(VENV)/.test
	$(PY) -m pytest -q -x -m "not slow and not notebooks and not browser" \
		--hypothesis-profile=quick --ignore=tests/notebooks

lint: $(VENV)/.test
	$(VENV)/bin/ruff check autograd_lib autograd_course tests benchmarks solutions

bench: $(VENV)/.test
	$(PY) -m benchmarks.run

bench-smoke: $(VENV)/.test
	$(PY) -m benchmarks.run --smoke

bench-gpu: $(VENV)/.test
	$(PY) -m benchmarks.gpu

# Grading at scale (docs/instructor.md): `autograd-course grade` with 1 and 2 local Dask workers
# on 60 submissions, against the previous per-student path; results in benchmarks/README.md.
.PHONY: bench-grading postgres postgres-stop
bench-grading: $(VENV)/.test
	$(PY) -m benchmarks.grading

# A local PostgreSQL server for a shared gradebook (scripts/postgres.sh): prints its db_url.
postgres:
	bash scripts/postgres.sh start

postgres-stop:
	bash scripts/postgres.sh stop

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache
