"""The kernel side of the judge: run one exercise's probes and return plain data.

The grader (:mod:`autograd_course.judge`) sends a grading kernel, after the student's own cells
have run, one request per exercise that calls :func:`run`. ``run`` executes the lesson's
``probes.py`` (from ``solutions/<lesson>/``, sent in the request, never written to the kernel's
folder), calls the exercise's probe function with the student's names and a ``probe`` recorder,
and returns JSON text: for every probe, its key and what it returned, made plain data by
:func:`to_data` (numbers, strings, booleans, None, lists, dicts; a tensor or array becomes its
shape and values). Nothing here decides a point: the grader compares this data, in its own
process, with what the same probes return on the instructor's solution.

A probe function, in ``probes.py``, is named after its exercise's test cell (its ``grade_id``)::

    def ex2_tests(answer, probe):
        grad_at = answer.grad_at               # the student's function
        probe("slope at 2", lambda: grad_at(lambda t: t**2, 2.0),
              "grad_at gives the wrong slope of x**2 at x = 2")

``probe(key, thunk, message, rtol=1e-5, atol=1e-8, expect_error=False)`` calls ``thunk()`` at
once; an error in it is recorded as the error's type, so the next probes still run. Printed
output is thrown away. A probe that raises on the solution is an authoring mistake (the judge's
preflight refuses the lesson) unless it says ``expect_error=True``: then the student's code
must raise the same type of error.
The names an exercise's answer cells define are those they had at its test cell
(:func:`snapshot`), as when the test cell itself ran there.
"""

import collections
import contextlib
import io
import json
import math

MAX_ITEMS = 100_000  # numbers kept from one value (a bigger tensor is recorded as too big)


class Missing(Exception):
    """The student's namespace has no such name."""

    def __init__(self, name):
        super().__init__(name)
        self.name = name


class Answer:
    """The student's names, as attributes: ``answer.grad_at``."""

    def __init__(self, namespace):
        self._namespace = namespace

    def __getattr__(self, name):
        try:
            return self._namespace[name]
        except KeyError:
            raise Missing(name) from None

    def __contains__(self, name):
        return name in self._namespace


def _number(x):
    if isinstance(x, bool):
        return x
    if isinstance(x, int):
        return x
    x = float(x)
    return x if math.isfinite(x) else repr(x)  # "nan", "inf", "-inf": JSON has no such numbers


def _is_numpy_scalar(value):
    return any(c.__module__ == "numpy" and c.__name__ == "generic" for c in type(value).__mro__)


def to_data(value, _depth=0):
    """Plain data for JSON: tensors and arrays as {"shape", "values"} (NumPy's scalars as
    numbers), containers recursively,
    dtypes and devices as their names, anything else as {"type": its class name}."""
    if _depth > 20:
        return {"type": "too deep"}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return _number(value)
    if _is_numpy_scalar(value):  # np.float64(2.0), np.True_: as Python's own numbers
        return to_data(value.item(), _depth + 1)
    shape = getattr(value, "shape", None)
    tolist = getattr(value, "tolist", None)
    if shape is not None and callable(tolist):  # a tensor, a NumPy array or scalar
        detach = getattr(value, "detach", None)
        if callable(detach):
            value = detach()
        shape = [int(n) for n in shape]
        if math.prod(shape) > MAX_ITEMS:
            return {"shape": shape, "values": "too big"}
        values = value.tolist()

        def plain(v):
            if isinstance(v, list):
                return [plain(x) for x in v]
            if isinstance(v, complex):
                return [_number(v.real), _number(v.imag)]
            return _number(v)

        return {"shape": shape, "values": plain(values)}
    if isinstance(value, (list, tuple)):
        return [to_data(v, _depth + 1) for v in value]
    if isinstance(value, dict):
        return {str(k): to_data(v, _depth + 1) for k, v in value.items()}
    if type(value).__name__ in ("dtype", "device", "Size"):
        return str(value)
    return {"type": type(value).__name__}


_snapshots = {}  # exercise: {name: value} at its test cell


def snapshot(namespace, names, exercise):
    """Keep what `names` are at the exercise's test cell: its probes see these, as a test cell
    there would, even if a later cell redefines them."""
    _snapshots[exercise] = {n: namespace[n] for n in names if n in namespace}
    return len(_snapshots[exercise])


def N_(text):
    """Mark a phrase that a probe message takes in at run time (``f"{where}, ..."`` with
    ``where = N_("for other inputs")``) for translation: it returns text as it is; the
    Chinese edition's catalog holds its translation, as for the messages themselves."""
    return text


def numbers(value):
    """Numbers as the lessons' ``checks.close`` sees them, for probes that should not care
    whether an answer is a tensor, an array, a list or a Python number: (nested lists of)
    floats; None stays None."""
    if value is None:
        return None
    import numpy as np

    if hasattr(value, "tolist"):
        value = getattr(value, "detach", lambda: value)().tolist()
    return np.asarray(value, dtype=float).tolist()


def run(probes_source, exercise, namespace):
    """Run the probe function `exercise` of probes_source on the student's namespace; JSON text:
    {"probes": [[key, data], ...], "specs": {key: {"message", "rtol", "atol"}}, "stopped": ...}.
    """
    scope = {"__name__": "probes"}
    exec(compile(probes_source, "probes.py", "exec"), scope)
    results, specs = [], {}
    quiet = io.StringIO()

    def probe(key, thunk, message, rtol=1e-5, atol=1e-8, expect_error=False):
        key = str(key)
        if key in specs:
            raise ValueError(f"two probes of {exercise} have the key {key!r}")
        specs[key] = {"message": str(message), "rtol": float(rtol), "atol": float(atol)}
        if expect_error:  # the preflight checks that the solution raises here
            specs[key]["expect_error"] = True
        try:
            with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
                value = to_data(thunk())
        except Missing as e:
            value = {"missing": e.name}
        except Exception as e:
            value = {"error": type(e).__name__}
        quiet.seek(0)
        quiet.truncate()
        results.append([key, value])
        return value

    stopped = None
    try:
        with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
            scope[exercise](Answer(collections.ChainMap(_snapshots.get(exercise, {}),
                                                         namespace)), probe)
    except Missing as e:
        stopped = {"missing": e.name}
    except Exception as e:  # the detail is for the instructor's preflight, never shown to students
        stopped = {"error": type(e).__name__, "detail": str(e)[:300]}
    return json.dumps({"probes": results, "specs": specs, "stopped": stopped})
