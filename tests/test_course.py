"""The course notebooks: they run, they match what is committed, and they grade as intended.

Lessons are found automatically: every ``solutions/<lesson>/<lesson>.ipynb``, the Chinese
editions (``solutions/<lesson>.zh-CN/``, made by ``scripts/i18n.py build``) too, graded with the
English lesson's probes (their messages translated). For each one:

* nbval, strict, on the instructor notebook in ``solutions/`` (outputs must match the stored
  ones, after ``tests/notebooks/sanitize.cfg``) and, lax, on the student notebook in ``course/``
  (it must run; only cells tagged ``raises-exception``, the stubs and tests, may fail);
* ``nbgrader generate_assignment`` in a scratch copy of the repository must reproduce the
  committed ``course/`` notebook;
* ``nbgrader autograde`` (the judge, with the lesson's probes) gives the solution full marks and
  the untouched student notebook zero;
* the lesson follows docs/authoring.md (cell metadata, tags, the order of the cells, a probe
  function for every test cell).

And once: a solution that defines the right function and then hangs loses that exercise's
points, and only those (the grader's time limit interrupts it; the judge scores an exercise
whose answer cell did not finish zero).

nbval and nbgrader run in subprocesses, with this interpreter, so that their kernels and
plugins stay out of this pytest session. They are slow (a kernel per notebook), so the jobs the
selected tests need are started when the session starts (conftest.py's ``jobs``), a few in
parallel (``COURSE_TEST_JOBS``, default: the number of CPUs, at most 8), and each test waits for
its own. Every lesson is graded in its own scratch copy of the repository, so parallel nbgrader
runs never share a gradebook.
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
COURSE = ROOT / "course"
SANITIZE = ROOT / "tests" / "notebooks" / "sanitize.cfg"
COURSE_ID = "autograd-course"
SETUP = "import autograd_lib as torch\nfrom autograd_course import checks\nchecks.install()"
REGENERATE = (
    ".venv/bin/nbgrader generate_assignment {lesson} --force  (or scripts/generate_course.sh)"
)
HANG_TIMEOUT = 10  # seconds per cell in the hang test (the lesson's cells must all be faster)

# Students of the fake class the grading tests submit for (nbgrader's --student is a glob).
SOLVED, UNTOUCHED, BOTH = "graded-solution", "graded-untouched", "graded-*"
HANGS = "hangs-after-defining"

pytestmark = pytest.mark.notebooks


def _lessons():
    if not SOLUTIONS.is_dir():
        return []
    return sorted(p.name for p in SOLUTIONS.iterdir() if (p / f"{p.name}.ipynb").is_file())


LESSONS = _lessons()


def _env():
    """This interpreter's bin/ first on PATH: nbgrader runs `alembic`, nbval starts kernels."""
    env = dict(os.environ)
    env["PATH"] = str(pathlib.Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # quiets a debugger warning in kernels
    # nbgrader autograde runs kernels in the grading sandbox (autograd_course/sandbox.py), and
    # refuses where there is none; these are the instructor's own notebooks: where no sandbox
    # can be set up, grade them without (tests/test_grading.py tests the sandbox itself).
    env.setdefault("AUTOGRAD_COURSE_UNSANDBOXED", "1")
    return env


def _run(args, cwd, timeout=900):
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=_env(), capture_output=True, text=True,
        timeout=timeout,
    )


def _tail(text, lines=60):
    return "\n".join(text.strip().splitlines()[-lines:])


def _read(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _nbval(notebook, mode):
    return _run(
        [
            "-m", "pytest", str(notebook), mode, "--nbval-current-env",
            "--nbval-sanitize-with", str(SANITIZE), "--nbval-cell-timeout=300",
            "-p", "no:cacheprovider", "-o", "addopts=", "-q", "--tb=short",
            "-W", "ignore::DeprecationWarning",
        ],
        cwd=ROOT,
    )


# -- nbgrader in a scratch repository -----------------------------------------------------------


class Grader:
    """A scratch copy of the repository (config and solutions/) where nbgrader runs.

    ``judge_cache``: where the judge keeps the references (what the probes return on the
    solution, computed with the preflight "the solution gets full marks" check); by default
    ``.judge-cache`` in this copy."""

    def __init__(self, root, judge_cache=None):
        self.root = root
        self.judge_cache = judge_cache
        root.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
        shutil.copytree(SOLUTIONS, root / "solutions")
        if (ROOT / "i18n").is_dir():  # the catalogs: a Chinese edition's probe messages
            shutil.copytree(ROOT / "i18n", root / "i18n")
        self._lock = threading.Lock()
        self._generated = set()

    def nbgrader(self, *args):
        result = _run(["-m", "nbgrader", *args], cwd=self.root)
        assert result.returncode == 0, (
            f"nbgrader {' '.join(args)} failed:\n" + _tail(result.stdout + result.stderr)
        )
        return result

    def generate(self, lesson):
        """``nbgrader generate_assignment``: the folder of the generated student copy."""
        with self._lock:
            if lesson not in self._generated:
                self.nbgrader("generate_assignment", lesson, "--force")
                self._generated.add(lesson)
        return self.root / "course" / lesson

    def submit(self, lesson, student, notebook_json):
        folder = self.root / "submitted" / student / lesson
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"{lesson}.ipynb", "w", encoding="utf-8") as f:
            json.dump(notebook_json, f, indent=1)

    def autograde(self, lesson, students, *extra):
        """``nbgrader autograde`` the submissions of the students matching the glob."""
        self.generate(lesson)  # the gradebook learns the lesson's test cells from it
        cache = [f"--JudgeExecute.cache_dir={self.judge_cache}"] if self.judge_cache else []
        with self._lock:
            self.nbgrader("autograde", lesson, "--force", f"--student={students}", *cache,
                          *extra)

    def scores(self, lesson, student):
        """(score, max score, {test cell: (score, max score)}) from the gradebook."""
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}", course_id=COURSE_ID) as gb:
            submission = gb.find_submission(lesson, student)
            cells = {
                grade.name: (grade.score, grade.max_score)
                for notebook in submission.notebooks
                for grade in notebook.grades
            }
            return submission.score, submission.max_score, cells


def _grade(grader, lesson):
    """Autograde the solution and the committed (untouched) student notebook."""
    grader.generate(lesson)
    grader.submit(lesson, SOLVED, _read(SOLUTIONS / lesson / f"{lesson}.ipynb"))
    committed = COURSE / lesson / f"{lesson}.ipynb"
    if not committed.is_file():  # reported by test_course_is_generated_from_solutions
        committed = grader.root / "course" / lesson / f"{lesson}.ipynb"
    grader.submit(lesson, UNTOUCHED, _read(committed))
    grader.autograde(lesson, BOTH)
    return {SOLVED: grader.scores(lesson, SOLVED), UNTOUCHED: grader.scores(lesson, UNTOUCHED)}


def _hanging_submission(notebook):
    """The notebook with `while True: pass` appended to its first solution cell, the grade_id
    of that exercise's test cell, and those of all the other test cells."""
    cells = notebook["cells"]
    graded = [c for c in cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")]
    solutions = [
        i for i, c in enumerate(cells) if c.get("metadata", {}).get("nbgrader", {}).get("solution")
    ]
    if not solutions:
        return None
    i = solutions[0]
    cell = cells[i]
    source = "".join(cell["source"]).rstrip("\n")
    cell["source"] = source + "\n\nwhile True:  # hangs after defining the answer\n    pass\n"
    hung = next(c for c in cells[i + 1:] if any(c is g for g in graded))
    others = [c["metadata"]["nbgrader"]["grade_id"] for c in graded if c is not hung]
    return notebook, hung["metadata"]["nbgrader"]["grade_id"], others


def _hang(grader, lesson):
    prepared = _hanging_submission(_read(SOLUTIONS / lesson / f"{lesson}.ipynb"))
    if prepared is None:
        return None
    notebook, hung, others = prepared
    grader.submit(lesson, HANGS, notebook)
    grader.autograde(lesson, HANGS, f"--Execute.timeout={HANG_TIMEOUT}")
    return grader.scores(lesson, HANGS), hung, others


# -- running the jobs ---------------------------------------------------------------------------


class Graders:
    """The session's scratch courses, one per lesson (``course_graders`` in conftest.py): the
    grading here and the wrong answers' (tests/test_wrong_answers.py) share a lesson's, so its
    assignment is generated once and its references are computed once."""

    def __init__(self, scratch):
        self.scratch = scratch
        self.graders = {}
        self.lock = threading.Lock()

    def get(self, name, judge_cache=None):
        with self.lock:
            if name not in self.graders:
                self.graders[name] = Grader(self.scratch / name, judge_cache)
            return self.graders[name]


class Jobs:
    """Slow subprocess jobs, keyed by (kind, lesson), started early and run in a thread pool."""

    def __init__(self, graders):
        workers = int(os.environ.get("COURSE_TEST_JOBS", 0)) or min(8, max(2, os.cpu_count() or 2))
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="course-test")
        self.graders = graders
        self.futures = {}
        self.lock = threading.Lock()

    def _work(self, kind, lesson):
        if kind == "strict":
            return _nbval(SOLUTIONS / lesson / f"{lesson}.ipynb", "--nbval")
        if kind == "lax":
            notebook = COURSE / lesson / f"{lesson}.ipynb"
            return _nbval(notebook, "--nbval-lax") if notebook.is_file() else None
        if kind == "generate":
            return self.graders.get(lesson).generate(lesson)
        if kind == "grade":
            return _grade(self.graders.get(lesson), lesson)
        if kind == "hang":  # its own repository: it must not wait for, or disturb, the others
            # (the lesson's references it reads from the lesson's repository: computed once)
            cache = self.graders.get(lesson).root / ".judge-cache"
            return _hang(self.graders.get(f"{lesson}-hang", judge_cache=cache), lesson)
        raise ValueError(kind)

    def start(self, kind, lesson):
        with self.lock:
            if (kind, lesson) not in self.futures:
                self.futures[kind, lesson] = self.pool.submit(self._work, kind, lesson)
            return self.futures[kind, lesson]

    def result(self, kind, lesson):
        return self.start(kind, lesson).result()


# The job each test needs.
_KIND = {
    "test_solution_notebook_outputs_match": "strict",
    "test_course_notebook_runs": "lax",
    "test_course_is_generated_from_solutions": "generate",
    "test_solution_gets_full_marks": "grade",
    "test_untouched_course_notebook_scores_zero": "grade",
    "test_solution_that_hangs_loses_that_exercise": "hang",
}


def start_jobs(items, graders):
    """Start the jobs of the selected tests (``items``) of this file, in the order they will
    run. conftest.py's session fixture ``jobs`` calls it when the session starts."""
    # On a fresh machine Matplotlib's first import writes "Matplotlib is building the font
    # cache" to stderr: a cell output that nbval would report as a difference. Build it first.
    _run(["-c", "import matplotlib.pyplot"], cwd=ROOT, timeout=300)
    runner = Jobs(graders)
    for item in items:
        kind = _KIND.get(getattr(item, "originalname", None))
        if kind and item.module.__name__ == __name__:
            params = getattr(getattr(item, "callspec", None), "params", {})
            lesson = params.get("lesson", LESSONS[0] if LESSONS else None)
            if lesson:
                runner.start(kind, lesson)
    return runner


# -- nbval --------------------------------------------------------------------------------------


@pytest.mark.parametrize("lesson", LESSONS)
def test_solution_notebook_outputs_match(lesson, jobs):
    """nbval --nbval (strict): the stored outputs are what the notebook prints today."""
    result = jobs.result("strict", lesson)
    assert result.returncode == 0, (
        f"nbval (strict) failed on solutions/{lesson}/{lesson}.ipynb. Either a cell fails, or "
        "its output changed: if the change is intended, re-execute the notebook (jupyter "
        "nbconvert --to notebook --execute --inplace --ExecutePreprocessor.record_timing=False) "
        "and regenerate course/; if it varies from run to run, make it deterministic (or, as a "
        "last resort, tag the cell nbval-ignore-output).\n" + _tail(result.stdout + result.stderr)
    )


@pytest.mark.parametrize("lesson", LESSONS)
def test_course_notebook_runs(lesson, jobs):
    """nbval --nbval-lax: the student notebook runs; only cells tagged raises-exception fail."""
    result = jobs.result("lax", lesson)
    assert result is not None, (
        f"course/{lesson}/{lesson}.ipynb is missing: generate it with "
        + REGENERATE.format(lesson=lesson)
    )
    assert result.returncode == 0, (
        f"nbval (lax) failed on course/{lesson}/{lesson}.ipynb: a cell that is not tagged "
        "raises-exception fails in the student's copy (does an example use an exercise's "
        "answer?).\n" + _tail(result.stdout + result.stderr)
    )


# -- nbgrader -----------------------------------------------------------------------------------


def _describe_cell(cell):
    meta = cell.get("metadata", {})
    return json.dumps(
        {"id": cell.get("id"), "cell_type": cell["cell_type"], "nbgrader": meta.get("nbgrader"),
         "source": "".join(cell.get("source", ""))[:300]},
        indent=1, sort_keys=True,
    )


def _differences(generated, committed):
    """Human-readable differences between two notebooks' JSON (empty if they are equal)."""
    problems = []
    for key in ("metadata", "nbformat", "nbformat_minor"):
        if generated.get(key) != committed.get(key):
            problems.append(
                f"notebook {key}: generated {generated.get(key)}, committed {committed.get(key)}"
            )
    g_cells, c_cells = generated.get("cells", []), committed.get("cells", [])
    if len(g_cells) != len(c_cells):
        problems.append(f"{len(g_cells)} cells generated, {len(c_cells)} committed")
    for i, (g, c) in enumerate(zip(g_cells, c_cells)):
        if g != c:
            keys = sorted(k for k in set(g) | set(c) if g.get(k) != c.get(k))
            problems.append(
                f"cell {i} differs in {keys}.\n  generated: {_describe_cell(g)}\n"
                f"  committed: {_describe_cell(c)}"
            )
        if len(problems) > 3:
            break
    if not problems and generated != committed:
        problems.append("the notebooks' JSON differ")
    return problems


@pytest.mark.parametrize("lesson", LESSONS)
def test_course_is_generated_from_solutions(lesson, jobs):
    """The committed course/<lesson> is exactly what nbgrader generates from solutions/."""
    generated = jobs.result("generate", lesson)
    committed = COURSE / lesson
    fix = "Regenerate it: " + REGENERATE.format(lesson=lesson) + ", and commit the result."
    assert committed.is_dir(), f"course/{lesson} is missing. {fix}"
    files = sorted(str(p.relative_to(generated)) for p in generated.rglob("*") if p.is_file())
    committed_files = sorted(
        str(p.relative_to(committed)) for p in committed.rglob("*")
        if p.is_file() and ".ipynb_checkpoints" not in p.parts
    )
    assert files == committed_files, (
        f"course/{lesson} holds {committed_files}, nbgrader generates {files}. {fix}"
    )
    for name in files:
        if not name.endswith(".ipynb"):
            assert (generated / name).read_bytes() == (committed / name).read_bytes(), (
                f"course/{lesson}/{name} differs from solutions/{lesson}/{name}. {fix}"
            )
            continue
        problems = _differences(_read(generated / name), _read(committed / name))
        assert not problems, (
            f"course/{lesson}/{name} is not what nbgrader generates from solutions/ (was "
            f"solutions/ changed, or course/ edited by hand?). {fix}\n" + "\n".join(problems)
        )


@pytest.mark.parametrize("lesson", LESSONS)
def test_solution_gets_full_marks(lesson, jobs):
    score, max_score, cells = jobs.result("grade", lesson)[SOLVED]
    assert max_score > 0, f"{lesson} has no graded cells (no test cell with points)"
    lost = {name: s for name, s in cells.items() if s[0] != s[1]}
    assert score == max_score and not lost, (
        f"the solution of {lesson} scores {score}/{max_score} when autograded; test cells that "
        f"lost points (score, max): {lost}. Run the solution notebook in a fresh kernel: does "
        "every cell pass, each in under 30 s (c.Execute.timeout)?"
    )


@pytest.mark.parametrize("lesson", LESSONS)
def test_untouched_course_notebook_scores_zero(lesson, jobs):
    score, max_score, cells = jobs.result("grade", lesson)[UNTOUCHED]
    assert max_score > 0, f"{lesson} has no graded cells"
    passing = {name: s for name, s in cells.items() if s[0] != 0}
    assert score == 0 and not passing, (
        f"the untouched student notebook of {lesson} scores {score}/{max_score}: these test cells "
        f"pass without a solution: {passing}. Every exercise's probes (probes.py) must call "
        "the exercise's answer."
    )


@pytest.mark.skipif(not LESSONS, reason="no lessons")
def test_solution_that_hangs_loses_that_exercise(jobs):
    """The first lesson's solution, with `while True: pass` after the first exercise's answer:
    the time limit interrupts that cell, the judge scores its exercise 0 (an answer cell that
    did not finish), and every other exercise keeps its points."""
    outcome = jobs.result("hang", LESSONS[0])
    if outcome is None:
        pytest.skip(f"{LESSONS[0]} has no solution cell")
    (score, max_score, cells), hung, others = outcome
    assert cells[hung][0] == 0, (
        f"{hung} scored {cells[hung]} although the solution cell before it hung and was "
        "interrupted by the time limit: the judge did not see the interrupt"
    )
    for name in others:
        assert cells[name][0] == cells[name][1], (
            f"{name} scored {cells[name]}: only the exercise whose solution hung should lose "
            f"points (is every cell of {LESSONS[0]} faster than {HANG_TIMEOUT} s?)"
        )
    assert score == max_score - cells[hung][1]


# -- the conventions of docs/authoring.md -------------------------------------------------------


def _nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def _source(cell):
    return "".join(cell.get("source", ""))


def _convention_problems(cells):
    problems = []
    ids = [c.get("id") for c in cells]
    if None in ids or len(set(ids)) != len(ids):
        problems.append("every cell needs a unique id (nbformat 4.5)")
    grade_ids = [_nbgrader(c).get("grade_id") for c in cells if _nbgrader(c)]
    duplicates = sorted({g for g in grade_ids if grade_ids.count(g) > 1})
    if duplicates:
        problems.append(f"duplicate nbgrader grade_id: {duplicates}")
    for c in cells:
        if _nbgrader(c) and _nbgrader(c).get("schema_version") != 3:
            problems.append(f"cell {c.get('id')}: nbgrader schema_version must be 3")

    code = [c for c in cells if c["cell_type"] == "code"]
    if not code or _source(code[0]).strip() != SETUP or not _nbgrader(code[0]).get("locked"):
        problems.append(f"the first code cell must be locked (read-only) and read:\n{SETUP}")
    unexecuted = [
        c.get("id") for c in code if c.get("execution_count") is None and _source(c).strip()
    ]
    if unexecuted:
        problems.append(f"code cells without stored outputs (execute and save): {unexecuted}")

    tests = 0
    for i, c in enumerate(cells):
        meta, name = _nbgrader(c), _nbgrader(c).get("grade_id")
        if c["cell_type"] != "code":
            continue
        if meta.get("solution"):
            if "raises-exception" not in _tags(c):
                problems.append(f"solution cell {name}: tag it raises-exception")
            if "### BEGIN SOLUTION" not in _source(c):
                problems.append(f"solution cell {name}: mark the answer with ### BEGIN SOLUTION")
            before = cells[i - 1] if i > 0 else {"cell_type": None}
            if before["cell_type"] != "markdown" or not _nbgrader(before).get("locked"):
                problems.append(
                    f"solution cell {name}: the cell before it must state the task, in a locked "
                    "Markdown cell"
                )
            after = cells[i + 1] if i + 1 < len(cells) else {}
            if not _nbgrader(after).get("grade") or _nbgrader(after).get("solution"):
                problems.append(f"solution cell {name}: the next cell must be its test cell")
        elif meta.get("grade"):
            tests += 1
            if not meta.get("locked"):
                problems.append(f"test cell {name}: lock it (read-only)")
            if not meta.get("points", 0) > 0:
                problems.append(f"test cell {name}: give it points")
            if "raises-exception" not in _tags(c):
                problems.append(f"test cell {name}: tag it raises-exception")
            if not _source(c).lstrip().startswith("checks.previous_cell_ok()"):
                problems.append(f"test cell {name}: start it with checks.previous_cell_ok()")
            if "### BEGIN HIDDEN TESTS" in _source(c):
                problems.append(f"test cell {name}: hidden tests belong in probes.py, which "
                                "decides the points")
    if tests == 0:
        problems.append("no graded test cells")
    return problems


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_follows_authoring_conventions(lesson):
    problems = _convention_problems(_read(SOLUTIONS / lesson / f"{lesson}.ipynb")["cells"])
    from autograd_course.judge import JudgeError, load_lesson

    try:  # a probe function for every test cell (a Chinese edition: the English lesson's)
        load_lesson(SOLUTIONS, lesson)
    except JudgeError as e:
        problems.append(str(e))
    assert not problems, (
        f"solutions/{lesson}/{lesson}.ipynb breaks docs/authoring.md:\n- " + "\n- ".join(problems)
    )
