"""The ``>>>`` examples in the docstrings of the library (and of the course code that has
some) run and print what they show.

Students read ``autograd_lib`` after lesson 9, and its docstrings teach by example, as PyTorch's
do; an example that no longer prints what it shows teaches something false. Each module's
examples run with the names its docstrings use: ``autograd_lib`` (also as ``torch``), ``nn``,
``F`` (``nn.functional``) and ``np``. ``...`` in an expected output matches anything (for
addresses and random numbers).
"""

import doctest
import importlib
import io
import pkgutil

import numpy as np
import pytest

import autograd_lib

MODULES = sorted(m.name for m in pkgutil.walk_packages(autograd_lib.__path__, "autograd_lib."))
MODULES = ["autograd_lib", *MODULES] + [f"autograd_course.{name}" for name in (
    "cluster", "gradebooks", "grading_preload", "lab_language", "spies")]


def namespace():
    return {"autograd_lib": autograd_lib, "torch": autograd_lib, "nn": autograd_lib.nn,
            "F": autograd_lib.nn.functional, "np": np}


@pytest.fixture(autouse=True)
def _defaults_again(tmp_path, monkeypatch):
    """Examples run in a folder of their own (``save`` writes files) and may change
    process-wide defaults (dtype, device): put them back."""
    monkeypatch.chdir(tmp_path)
    yield
    autograd_lib.set_default_dtype(autograd_lib.float32)
    autograd_lib.set_default_device("cpu")


@pytest.mark.filterwarnings("ignore::UserWarning")  # examples of deprecated calls warn
@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_print_what_they_show(name):
    """Every example of the module's docstrings prints what the docstring shows (a module
    without examples passes: most have some, and the total is checked below)."""
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report = io.StringIO()
    examples = 0
    for test in doctest.DocTestFinder().find(module, name, globs={**vars(module), **namespace()}):
        examples += len(test.examples)
        runner.run(test, out=report.write)
    assert runner.failures == 0, (
        f"{runner.failures} of {examples} examples fail:\n{report.getvalue()}")


def test_the_library_has_examples():
    """The examples above are found (a change in how they are collected would pass silently)."""
    finder = doctest.DocTestFinder()
    counts = {name: sum(len(t.examples) for t in finder.find(importlib.import_module(name), name))
              for name in MODULES}
    assert sum(counts.values()) >= 100, counts
    assert counts["autograd_lib.func"] >= 30 and counts["autograd_lib.viz"] >= 6
