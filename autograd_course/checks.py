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

_outcomes = []  # one entry per executed cell: True if it finished without error


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
        raise AssertionError(
            "The cell before this test did not finish: it raised an error or was stopped "
            "(for example by the time limit). Fix it and run it again, then run this test."
        )


def close(actual, expected, rtol=1e-5, atol=1e-8, what="value"):
    """Assert two numbers or arrays agree, with a message that shows both."""
    import numpy as np

    a = np.asarray(getattr(actual, "detach", lambda: actual)().tolist()
                   if hasattr(actual, "tolist") else actual, dtype=float)
    e = np.asarray(getattr(expected, "detach", lambda: expected)().tolist()
                   if hasattr(expected, "tolist") else expected, dtype=float)
    if a.shape != e.shape:
        raise AssertionError(f"{what}: expected shape {e.shape}, got shape {a.shape}")
    if not np.allclose(a, e, rtol=rtol, atol=atol):
        raise AssertionError(f"{what}: expected {e.tolist()}, got {a.tolist()}")
