"""Exercise checks for the notebooks' visible tests (what students run: Validate,
``autograd-course check``).

The first code cell of every lesson calls ``checks.install()``. From then on, each executed
cell's outcome is recorded. A test cell begins with ``checks.previous_cell_ok()``: it fails
when the cell just before it, the student's solution, raised an error or was interrupted, so a
solution that defines the right function and then loops forever does not pass.

None of this decides a point: it runs in the student's kernel, which the student's code can
change. Grading runs no test cell; the judge (``autograd_course.judge``) applies the same rule
from outside the kernel.
"""

import os

_outcomes = []  # one entry per executed cell: True if it finished without error

# The frames of the messages, in the lesson's language: a Chinese edition's notebook lives in a
# folder named <lesson>.zh-CN, where its kernel starts (make lab, Validate, nbgrader);
# AUTOGRAD_COURSE_LANG=zh-CN says so elsewhere. The exercise's own words (``what``) come
# translated from the notebook.
_MESSAGES = {
    "en": {
        "previous": "The cell before this test did not finish: it raised an error or was stopped "
                    "(for example by the time limit). Fix it and run it again, then run this test.",
        "shape": "{what}: expected shape {expected}, got shape {got}",
        "value": "{what}: expected {expected}, got {got}",
    },
    "zh-CN": {
        "previous": "这个测试之前的单元格没有正常结束：它抛出了错误，或者被中断了（例如超过了时间"
                    "限制）。请先修正它并重新运行，然后再运行这个测试。",
        "shape": "{what}：期望的形状是 {expected}，得到的形状是 {got}",
        "value": "{what}：期望 {expected}，得到 {got}",
    },
}


def _language():
    chosen = os.environ.get("AUTOGRAD_COURSE_LANG")
    if chosen in _MESSAGES:
        return chosen
    try:
        return "zh-CN" if os.getcwd().endswith(".zh-CN") else "en"
    except OSError:
        return "en"


def _message(key, **fields):
    return _MESSAGES[_language()][key].format(**fields)


def _record(result):
    source = getattr(getattr(result, "info", None), "raw_cell", None) or ""
    if source.lstrip().startswith("checks.previous_cell_ok()"):
        return  # a test cell: running it again checks the same solution cell again
    _outcomes.append(result.error_before_exec is None and result.error_in_exec is None)


def install():
    """Start recording cell outcomes (idempotent; does nothing outside IPython)."""
    try:
        ip = get_ipython()  # noqa: F821  (defined inside IPython only)
    except NameError:
        return
    callbacks = ip.events.callbacks["post_run_cell"]
    if not any(getattr(cb, "__name__", "") == "_record" for cb in callbacks):
        ip.events.register("post_run_cell", _record)


def previous_cell_ok():
    """Assert that the cell run just before this one finished without an error or interrupt."""
    if _outcomes and not _outcomes[-1]:
        raise AssertionError(_message("previous"))


def close(actual, expected, rtol=1e-5, atol=1e-8, what="value"):
    """Assert two numbers or arrays agree, with a message that shows both."""
    import numpy as np

    a = np.asarray(getattr(actual, "detach", lambda: actual)().tolist()
                   if hasattr(actual, "tolist") else actual, dtype=float)
    e = np.asarray(getattr(expected, "detach", lambda: expected)().tolist()
                   if hasattr(expected, "tolist") else expected, dtype=float)
    if a.shape != e.shape:
        raise AssertionError(_message("shape", what=what, expected=e.shape, got=a.shape))
    if not np.allclose(a, e, rtol=rtol, atol=atol):
        raise AssertionError(_message("value", what=what, expected=e.tolist(), got=a.tolist()))
