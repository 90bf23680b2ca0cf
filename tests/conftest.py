"""Shared fixtures: every op test runs on every device, ``cuda`` on a GPU or on CuPy's stand-in.

Where the ``cuda`` cases run is ``AUTOGRAD_LIB_TEST_CUPY``'s choice:

* ``auto`` (the default, so ``make test`` runs them): real CuPy where it sees a GPU, otherwise
  ``tests/fake_cupy.py``, a strict NumPy-backed stand-in for CuPy 13 with two devices, put in
  ``sys.modules["cupy"]`` before ``autograd_lib`` first asks for CuPy;
* ``stand-in``: the stand-in even on a GPU machine;
* ``real``: real CuPy only (the cases skip without a GPU; ``scripts/gpu_check.sh`` uses this);
* ``off``: the cases skip.

On the stand-in a hypothesis test's ``cuda`` case draws at most ``AUTOGRAD_LIB_STAND_IN_EXAMPLES``
examples (default 4; its ``cpu`` case keeps its own count): the stand-in computes with NumPy, so
what it adds is the check that data stays on the device, which a few shapes per case exercise.
"""

import os
import sys

import pytest
from hypothesis import HealthCheck, settings

# No per-example deadline (timing is not what these tests check; CI machines are slow), and
# a "quick" profile for `make test-quick`.
settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile("quick", parent=settings.get_profile("default"), max_examples=10)
settings.load_profile("default")

CUPY_CHOICES = ("auto", "stand-in", "real", "off")


def _real_gpu():
    """True when the real CuPy is installed and sees a GPU."""
    try:
        import cupy

        return not getattr(cupy, "IS_STAND_IN", False) and cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # not installed, no driver, no device
        return False


def _install_stand_in():
    import fake_cupy

    for name in [m for m in sys.modules if m == "cupy" or m.startswith("cupy.")]:
        del sys.modules[name]  # a real CuPy without a GPU, imported by _real_gpu
    sys.modules["cupy"] = fake_cupy
    sys.modules["cupy.cuda"] = fake_cupy.cuda
    return "stand-in"


def _choose_cupy():
    """``"real"``, ``"stand-in"`` or ``None`` (no CUDA cases), from AUTOGRAD_LIB_TEST_CUPY."""
    choice = os.environ.get("AUTOGRAD_LIB_TEST_CUPY", "auto")
    if choice not in CUPY_CHOICES:
        raise pytest.UsageError(f"AUTOGRAD_LIB_TEST_CUPY={choice!r}: use one of {CUPY_CHOICES}")
    if choice == "off":
        return None
    if choice == "stand-in" or (choice == "auto" and not _real_gpu()):
        return _install_stand_in()
    return "real" if _real_gpu() else None


CUPY = _choose_cupy()

import autograd_lib  # noqa: E402  (after the stand-in is in place)

STAND_IN = CUPY == "stand-in"
if CUPY is not None:
    assert autograd_lib.cuda.is_available(), f"CuPy ({CUPY}) is set up but autograd_lib sees no GPU"


def pytest_report_header(config):
    where = {"real": "real CuPy on a GPU", "stand-in": "tests/fake_cupy.py (CuPy's stand-in)",
             None: "skipped (AUTOGRAD_LIB_TEST_CUPY, or no GPU)"}[CUPY]
    return f"cuda cases: {where}"


def _devices():
    yield "cpu"
    yield pytest.param(
        "cuda",
        marks=[
            pytest.mark.cuda,
            pytest.mark.skipif(
                CUPY is None,
                reason="no CUDA GPU (or CuPy not installed): scripts/gpu_check.sh runs these",
            ),
        ],
    )


@pytest.fixture(params=list(_devices()))
def device(request):
    """'cpu', and 'cuda' (a GPU, or CuPy's stand-in; see the module's docstring)."""
    return request.param


@pytest.fixture(autouse=True)
def _gpu_zero_current():
    """Each test starts with GPU 0 current (putting a tensor on ``cuda:1`` makes GPU 1 current)."""
    yield
    if CUPY is not None:
        autograd_lib.cuda.set_device(0)


STAND_IN_EXAMPLES = int(os.environ.get("AUTOGRAD_LIB_STAND_IN_EXAMPLES", "4"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """On the stand-in, a ``cuda`` case of a hypothesis test draws fewer examples (see above)."""
    test = getattr(item, "obj", None)
    own = getattr(test, "_hypothesis_internal_use_settings", None)  # what @settings gave it
    if not STAND_IN or own is None or item.get_closest_marker("cuda") is None:
        return (yield)
    test._hypothesis_internal_use_settings = settings(
        own, max_examples=min(own.max_examples, STAND_IN_EXAMPLES))
    try:
        return (yield)
    finally:
        test._hypothesis_internal_use_settings = own


@pytest.fixture(scope="session")
def course_graders(tmp_path_factory):
    """The session's scratch courses where nbgrader grades the lessons (test_course.Graders),
    one per lesson, shared by tests/test_course.py and tests/test_wrong_answers.py: a lesson's
    assignment is generated, and its references computed, once per session. (Here, not in
    either module: a session fixture imported into another module would run twice.)"""
    from test_course import Graders

    return Graders(tmp_path_factory.mktemp("graders"))


def _selects(items, module):
    """Is some selected test (of ``items``) in the test module named ``module``? (Asked without
    importing it: the library pass never imports the slow modules.)"""
    return any(getattr(getattr(i, "module", None), "__name__", "") == module for i in items)


@pytest.fixture(scope="session", autouse=True)
def jobs(request):
    """tests/test_course.py's slow jobs (test_course.Jobs: each lesson's nbval runs, generated
    copy and grades), started with the session rather than with that module, when some of its
    tests are selected (else None). Their two threads then fill the time the modules before it
    leave a core idle: test_binder.py's pip install, test_browser.py's waits on a browser."""
    items = request.session.items
    if not _selects(items, "test_course"):
        yield None
        return
    from test_course import start_jobs

    runner = start_jobs(items, request.getfixturevalue("course_graders"))
    yield runner
    runner.pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="session", autouse=True)
def grading_runs(request, tmp_path_factory):
    """tests/test_grading.py's runs (test_grading.Runs), when some of its tests are selected
    (else None). Its plain run, plain nbgrader grading the whole class one submission at a
    time, starts with the session: it takes about 5 minutes, most of them waiting on the
    students who sleep or loop until a time limit stops them, so it runs beside the modules
    before test_grading.py instead of holding up that one. The other runs, each with two
    workers, start with test_grading.py (its ``runs`` fixture)."""
    items = request.session.items
    if not _selects(items, "test_grading"):
        yield None
        return
    from test_grading import start_runs

    runs = start_runs(items, request.getfixturevalue("template"),
                      request.getfixturevalue("lesson"), tmp_path_factory.mktemp("grading"),
                      only={"plain"})
    yield runs
    runs.pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="session")
def lesson():
    """tests/test_grading.py's lesson (test_grading.Lesson), shared with test_grading_dask.py."""
    from test_grading import SOURCE, Lesson, _read

    return Lesson(_read(SOURCE))


@pytest.fixture(scope="session")
def template(tmp_path_factory):
    """The course test_grading.py and test_grading_dask.py copy for each run: their lesson
    generated, its references computed (test_grading.make_template), once per session."""
    from test_grading import make_template

    return make_template(tmp_path_factory.mktemp("course-template"))
