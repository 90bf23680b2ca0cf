"""Instructor autograding: the sandbox, what students hand in, feedback, parallel grading.

Every check runs nbgrader's real command line (or ``autograd-course grade``, or the formgrader's
HTTP API) in temporary copies of the course (``nbgrader_config.py`` and ``solutions/``), on one
quick lesson (``LESSON``), with a short time limit per cell. The class handed in:

==========================  ===========================================================  =======
student                     submission                                                   expects
==========================  ===========================================================  =======
correct                     the solution                                                 all
untouched                   the released notebook                                        0
edited-tests                released notebook, every test cell's source -> ``pass``       0
deleted-tests               the solution without its test cells (nbgrader restores them)  all
deleted-tests-untouched     released notebook without its test cells                     0
deleted-answer-and-test     the solution without exercise 1's answer and test cells       not 1
skip-tag                    released, test cells tagged ``skip-execution``                0
stripped-metadata           released, test cells' nbgrader metadata removed                0
exits                       solution, ``os._exit(3)`` after exercise 2's test             1+2
ignores-interrupt           solution, SIGINT ignored and ``while True`` after test 2      1+2
loop-in-function            solution, exercise 1's function loops forever                 not 1
loop-top-level              solution, ``while True`` at the end of answer 3               not 3
input                       solution, ``input()`` in answer 4                             not 4
print-20mb                 solution, a cell printing 20 MB                              all
attacks                     solution, a cell that tries to read ``solutions/`` and the    all
                            gradebook, write outside, connect to a port, read the
                            grader's environment, take 4 GiB, start 100 processes
hidden-fail                 solution, the last function fails only for hidden tests      not last
corrupt                     not JSON                                                     error
==========================  ===========================================================  =======

It is graded twice, side by side: by plain ``nbgrader autograde`` (then ``generate_feedback``
and ``export``) and by ``autograd-course grade --jobs 2``; both must give these scores, the same
ones. Besides: the formgrader's Autograde and Feedback buttons (its HTTP API), the exchange
(release, fetch, submit, collect) and ``zip_collect``, a kernel killed by its CPU-time limit,
grading refused without a sandbox and allowed with AUTOGRAD_COURSE_UNSANDBOXED=1 (where the
attacks then succeed: the attack cell does detect a leak), and unit tests of the pieces.

The sandbox tests need bubblewrap (CI installs it: .ci/run), or root with a Python environment
other users can run (setpriv); elsewhere they skip, saying why, unless
AUTOGRAD_COURSE_REQUIRE_SANDBOX=1 (CI), which makes them fail instead.
"""

import copy
import csv
import hashlib
import html as html_lib
import json
import os
import pathlib
import re
import select
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
LESSON = "02_tensors"
SOURCE = ROOT / "solutions" / LESSON / f"{LESSON}.ipynb"
COURSE_ID = "autograd-course"
# Seconds per cell in these tests: every cell of LESSON takes well under 1 s on an idle machine,
# and the slowest (printing 20 MB, the attack cell) a few seconds on a very busy one.
TIMEOUT = 15
# Wall-clock seconds per submission in the class runs: an honest one takes under 10 s on an idle
# machine and about 30 s on a very busy one; the sleeper (12 s after each of the 12 cells after
# its first answer) would take over 140 s.
SUBMISSION_CAP = 90
SECRET = "grader-secret-4f1c"  # in the grader's environment: a kernel must not see it

pytestmark = [
    pytest.mark.notebooks,
    pytest.mark.skipif(not SOURCE.is_file(), reason=f"no {SOURCE}"),
]


# -- running things -----------------------------------------------------------------------------


def _env(**extra):
    env = dict(os.environ)
    env["PATH"] = str(pathlib.Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    env["GRADER_SECRET"] = SECRET
    env.pop("AUTOGRAD_COURSE_UNSANDBOXED", None)
    env.update(extra)
    return env


def _run(args, cwd, env=None, timeout=900):
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env or _env(),
                          capture_output=True, text=True, timeout=timeout)


GRADE = ["-c", "import sys; from autograd_course.grading import main; sys.exit(main(sys.argv[1:]))"]


def _nbgrader(cwd, *args, env=None, check=True):
    result = _run(["-m", "nbgrader", *args], cwd, env=env)
    if check:
        assert result.returncode == 0, (
            f"nbgrader {' '.join(args)} failed:\n{_tail(result.stdout + result.stderr)}")
    return result


def _tail(text, lines=40):
    return "\n".join(text.strip().splitlines()[-lines:])


def _sandbox_or_reason():
    """The sandbox the grader would use here, or why there is none."""
    from traitlets.config import Config

    from autograd_course.sandbox import Sandbox, SandboxUnavailable

    config = Config()
    config.CourseDirectory.root = str(ROOT)
    try:
        return Sandbox(config=config).resolve(), None
    except SandboxUnavailable as e:
        return None, str(e)


SANDBOX, NO_SANDBOX = _sandbox_or_reason()
# CI sets this (.ci/run installs bubblewrap): there, no sandbox is a failure, not a skip.
REQUIRE_SANDBOX = os.environ.get("AUTOGRAD_COURSE_REQUIRE_SANDBOX") == "1"
needs_sandbox = pytest.mark.skipif(
    SANDBOX is None and not REQUIRE_SANDBOX,
    reason=f"no sandbox for grading kernels on this machine: {NO_SANDBOX} (install bubblewrap; "
    "CI does, in .ci/run)",
)


def test_a_sandbox_is_available():
    """Where grading kernels can be sandboxed, and how (bwrap, or setpriv as root)."""
    if SANDBOX is None and not REQUIRE_SANDBOX:
        pytest.skip(f"no sandbox for grading kernels on this machine: {NO_SANDBOX}")
    assert SANDBOX in ("bwrap", "setpriv"), (
        f"AUTOGRAD_COURSE_REQUIRE_SANDBOX=1 but no sandbox here: {NO_SANDBOX}")


# -- the class's submissions ------------------------------------------------------------------


def _nbgr(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def _src(cell):
    return "".join(cell.get("source", ""))


def _read(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class Lesson:
    """The lesson's exercises: (solution cell index, test cell index, test grade_id, points)."""

    def __init__(self, solution):
        self.solution = solution
        cells = solution["cells"]
        self.exercises = []
        for i, cell in enumerate(cells):
            if _nbgr(cell).get("solution") and i + 1 < len(cells) and _nbgr(cells[i + 1]).get(
                    "grade"):
                test = cells[i + 1]
                self.exercises.append((i, i + 1, _nbgr(test)["grade_id"],
                                       float(_nbgr(test)["points"])))
        assert len(self.exercises) >= 4, f"{LESSON} needs 4 exercises for these tests"
        self.total = sum(e[3] for e in self.exercises)

    def points(self, *numbers):  # exercises numbered from 1
        return sum(self.exercises[n - 1][3] for n in numbers)

    def secrets(self, release_text):
        """What must never reach a student: lines of the probes (hidden inputs among them) and
        their keys, except what the released notebook shows anyway."""
        probes = (SOURCE.parent / "probes.py").read_text()
        found = [ln.strip() for ln in probes.splitlines() if len(ln.strip()) > 25
                 and not ln.strip().startswith(("#", '"', "'")) and '"' not in ln.strip()[:3]]
        found += re.findall(r'probe\(f?"([^"]{12,})"', probes)
        return [x for x in dict.fromkeys(found) if x not in release_text]


def _cell(source, cell_id):
    return {"cell_type": "code", "execution_count": None, "id": cell_id, "metadata": {},
            "outputs": [], "source": source}


def _insert_after(nb, index, source):
    nb = copy.deepcopy(nb)
    nb["cells"].insert(index + 1, _cell(source, f"added-{index}"))
    return nb


def _append(nb, index, source):
    nb = copy.deepcopy(nb)
    cell = nb["cells"][index]
    cell["source"] = _src(cell).rstrip("\n") + "\n\n" + source
    return nb


def _replace(nb, index, source):
    nb = copy.deepcopy(nb)
    nb["cells"][index]["source"] = source
    return nb


def _function_names(source):
    return re.findall(r"^def (\w+)\(", source, flags=re.M)


ATTACK = r'''
import os, socket, subprocess
def attempt(what, fn):
    try:
        result = fn()
        print(f"LEAK:{what}:{str(result)[:60]!r}")
    except BaseException as e:
        print(f"BLOCKED:{what}:{type(e).__name__}")
ROOT = @ROOT@
attempt("read-solutions", lambda: open(ROOT + "/solutions/@LESSON@/@LESSON@.ipynb").read())
attempt("read-solutions-relative",
        lambda: open("../../../solutions/@LESSON@/@LESSON@.ipynb").read())
attempt("read-gradebook", lambda: open(ROOT + "/gradebook.db", "rb").read(16))
attempt("read-probes", lambda: open(ROOT + "/solutions/@LESSON@/probes.py").read())
attempt("read-references", lambda: os.listdir(ROOT + "/.judge-cache"))
print("CWD:" + repr(sorted(os.listdir("."))))
import autograd_lib
print("LIBRARY:" + os.path.realpath(autograd_lib.__file__))
CHECKOUT = os.path.dirname(os.path.dirname(os.path.realpath(autograd_lib.__file__)))
attempt("read-library-checkout",
        lambda: open(CHECKOUT + "/solutions/@LESSON@/probes.py").read())
attempt("write-gradebook", lambda: open(ROOT + "/gradebook.db", "ab").write(b"x"))
attempt("write-course-root", lambda: open(ROOT + "/pwned.txt", "w").write("x"))
attempt("write-notebook-folder", lambda: open("pwned.txt", "w").write("x"))
attempt("list-submissions", lambda: os.listdir(ROOT + "/submitted"))
attempt("connect-loopback", lambda: socket.create_connection(("127.0.0.1", @PORT@), timeout=3))
attempt("connect-internet", lambda: socket.create_connection(("1.1.1.1", 53), timeout=3))
attempt("grader-environment", lambda: os.environ["GRADER_SECRET"])
attempt("memory-4GiB", lambda: len(bytearray(4 << 30)))
big = bytearray(1 << 30)  # 1 GiB is fine
print("ALLOC1G:ok", len(big))
del big
children = []
try:
    for _ in range(100):
        children.append(subprocess.Popen(["sleep", "60"]))
except OSError:
    pass
print(f"PROCESSES:{len(children)}")
for child in children:
    child.kill()
    child.wait()
'''
ATTACKS = ["read-solutions", "read-solutions-relative", "read-gradebook", "read-probes",
           "read-library-checkout",
           "read-references", "write-gradebook",
           "write-course-root", "write-notebook-folder", "list-submissions", "connect-loopback",
           "connect-internet", "grader-environment", "memory-4GiB"]


# -- the attack matrix: cheats and leaks (LESSON-specific answers) ---------------------------
#
# A student who wants points without the work writes a cheat in the answer cell of exercise 1,
# on top of an honest answer to exercise 1 alone (the control, which scores exercise 1's points):
# no cheat may score more than the control. Leaks try to carry the probes, their hidden inputs or
# the reference values into what the student gets back: none may appear in any feedback.

VISIBLE_ONLY = """\
def model_input(array):
    # right on the visible tests' arrays only: copies a float32 array of 3 numbers, shares others
    if array.dtype == np.float32 and array.size == 3:
        return torch.tensor(array.tolist())
    return torch.from_numpy(array).float()
"""

DIFFERENT = [  # a correct answer to each exercise, written otherwise than the solution
    """\
def model_input(array):
    return torch.from_numpy(array.astype(np.float32))   # astype copies
""",
    """\
def trainable(tensors):
    return [t for t in tensors if t.requires_grad and t.grad_fn is None]
""",
    """\
def new_parameter(shape, scale, dtype=torch.float32):
    p = torch.empty(shape, dtype=dtype).uniform_(-scale, scale)
    p.requires_grad = True
    return p
""",
    """\
def snapshot(t):
    return torch.tensor(t.tolist(), dtype=t.dtype)
""",
]

WRONG = [None, """\
def trainable(tensors):
    return [t for t in tensors if t.requires_grad]   # w * 3 is not a leaf
""", """\
def new_parameter(shape, scale, dtype=torch.float32):
    return torch.zeros(shape, dtype=dtype, requires_grad=True)
""", """\
def snapshot(t):
    return t.detach()                   # shares memory with t
"""]

CHEATS = {
    "cheat-checks-close": "checks.close = lambda *a, **k: None\n",
    "cheat-error-hook": """\
ip = get_ipython()
def _no_errors(result):
    result.error_in_exec = None
    result.error_before_exec = None
ip.events.register("post_run_cell", _no_errors)
ip.set_custom_exc((BaseException,), lambda *args, **kwargs: None)
""",
    "cheat-clear-output": """\
from IPython.display import clear_output
get_ipython().events.register("post_run_cell", lambda result: clear_output())
""",
    "cheat-transformer":
        "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])\n",
    "cheat-displayhook": """\
from IPython.display import clear_output
ip = get_ipython()
def _full_marks(result):
    clear_output()
    ip.displayhook(-1)
ip.events.register("post_run_cell", _full_marks)
""",
    "cheat-forge-probes": """\
import json, sys
import autograd_course.probing as _probing
def _forged(source, exercise, namespace):
    return json.dumps({"probes": [], "specs": {}, "stopped": None})
_probing.run = _forged
sys.modules["autograd_course.probing"].run = _forged
""",
    "cheat-sleeper": """\
import time
get_ipython().events.register("post_run_cell", lambda result: time.sleep(12))
""",
}

LEAKS = {
    "leak-pre-run": """\
import base64, sys
import autograd_course.probing as _probing
def _show(info):
    src = info.raw_cell
    print(src, src[::-1], base64.b64encode(src.encode()).decode())
get_ipython().events.register("pre_run_cell", _show)
_real_run = _probing.run
def _spy(source, exercise, namespace):
    print("SPY-7f3a", source, source[::-1], base64.b64encode(source.encode()).decode())
    sys.__stdout__.write(source)
    out = _real_run(source, exercise, namespace)
    print("SPY-7f3a", out, out[::-1])
    return out
_probing.run = _spy
""",
    "leak-history": """\
import atexit
atexit.register(lambda: print("AT-EXIT-7f3a", In, _ih))
""",
    "leak-notebook": """\
import glob, os
for pattern in ["*", "*.ipynb", "../*", "../*.ipynb", "../../*", "/tmp/*", "/tmp/*/*",
                os.path.expanduser("~/*")]:
    for path in glob.glob(pattern):
        print("FOUND", path)
        try:
            print(open(path).read()[:100000])
        except Exception as e:
            print("cannot read", path, type(e).__name__)
""",
    "leak-error-names": """\
SEEN = []
def trainable(tensors):
    SEEN.append(repr(tensors))
    raise type("LEAK_7f3a_" + "".join(c if c.isalnum() else "_" for c in repr(tensors)),
               (Exception,), {})(repr(tensors))
""",
    "leak-stdout-flood": """\
_model_input = model_input
def model_input(array):
    print("x" * 100_000, array)
    return _model_input(array)
""",
    "scratch-fill": """\
import os, sys
folder = os.path.dirname(sys.argv[sys.argv.index("-f") + 1])
written = 0
try:
    for k in range(6):
        with open(os.path.join(folder, f"fill-{k}"), "wb") as f:
            for _ in range(60):
                f.write(b"x" * (1 << 20))
                written += 1 << 20
except OSError as e:
    print("SCRATCH-BLOCKED", type(e).__name__)
print("SCRATCH-WROTE", written)
tmp = 0
try:
    with open("/tmp/fill", "wb") as f:
        for _ in range(300):
            f.write(b"x" * (1 << 20))
            tmp += 1 << 20
except OSError as e:
    print("TMP-STOPPED", type(e).__name__)
print("TMP-WROTE", tmp)
""",
}
CHEAT_FILES = {  # handed in beside an untouched notebook
    "ipykernel_launcher.py": "print('fake launcher')\n",
    "autograd_course/__init__.py": "",
    "autograd_course/checks.py": "def install(): pass\ndef previous_cell_ok(): pass\n"
                                 "def close(*a, **k): pass\n",
    "sitecustomize.py": "print('site')\n",
    "evil.pth": "import os\n",
}


def _with_answer(nb, ex, k, source, after=""):
    """nb with exercise k's answer cell replaced by source (then `after` appended)."""
    nb = copy.deepcopy(nb)
    nb["cells"][ex[k - 1][0]]["source"] = source.rstrip("\n") + ("\n\n" + after if after else "")
    return nb


def _different_answers(sol, ex):
    nb = sol
    for k, source in enumerate(DIFFERENT, start=1):
        nb = _with_answer(nb, ex, k, source)
    return nb


def _flip_grade_flag(sol, test_index):
    nb = copy.deepcopy(sol)
    nb["cells"][test_index]["metadata"]["nbgrader"]["grade"] = False
    return nb


def cheat_submissions(lesson, release):
    """({student: notebook}, {student: expected score}) of the attack matrix."""
    sol, ex = lesson.solution, lesson.exercises
    first = _src(sol["cells"][ex[0][0]])
    control = _with_answer(release, ex, 1, first)
    control_score = lesson.points(1)
    nbs, expected = {"control": control}, {"control": control_score}
    for name, cheat in CHEATS.items():
        nb = _with_answer(control, ex, 1, first, cheat)
        if name == "cheat-checks-close":  # wrong but well-typed answers elsewhere
            for k in range(2, len(ex) + 1):
                nb = _with_answer(nb, ex, k, WRONG[k - 1])
        nbs[name] = nb
        expected[name] = 0 if name in ("cheat-forge-probes", "cheat-sleeper") else control_score
    for name, leak in LEAKS.items():
        if name == "leak-error-names":
            nbs[name] = _with_answer(sol, ex, 2, _src(sol["cells"][ex[1][0]]), leak)
            expected[name] = lesson.total - lesson.points(2)
        else:
            nbs[name] = _with_answer(sol, ex, 1, first, leak)
            expected[name] = lesson.total
    nbs["cheat-files"], expected["cheat-files"] = copy.deepcopy(release), 0
    return nbs, expected


def submissions(lesson, release, root, port):
    """{student: (notebook JSON or bytes, expected score or None for 'not graded')}."""
    sol = lesson.solution
    ex = lesson.exercises
    total = lesson.total
    tests = {t for _, t, _, _ in ex}

    def without_tests(nb):
        nb = copy.deepcopy(nb)
        nb["cells"] = [c for c in nb["cells"]
                       if not (_nbgr(c).get("grade") and not _nbgr(c).get("solution"))]
        return nb

    def without_exercise(nb, k):
        nb = copy.deepcopy(nb)
        gone = {_nbgr(nb["cells"][ex[k - 1][0]]).get("grade_id"), ex[k - 1][2]}
        nb["cells"] = [c for c in nb["cells"] if _nbgr(c).get("grade_id") not in gone]
        return nb

    def released_tests(transform):
        nb = copy.deepcopy(release)
        for cell in nb["cells"]:
            if _nbgr(cell).get("grade") and not _nbgr(cell).get("solution"):
                transform(cell)
        return nb

    def edit(cell):
        cell["source"] = "pass\n"

    def skip(cell):
        cell["metadata"].setdefault("tags", []).append("skip-execution")

    def strip(cell):
        del cell["metadata"]["nbgrader"]

    first_fn = _function_names(_src(sol["cells"][ex[0][0]]))[0]
    assert tests
    cheats, expected_cheats = cheat_submissions(lesson, release)
    return {
        "correct": (sol, total),
        "untouched": (release, 0),
        "edited-tests": (released_tests(edit), 0),
        "deleted-tests": (without_tests(sol), total),
        "deleted-tests-untouched": (without_tests(release), 0),
        "deleted-answer-and-test": (without_exercise(sol, 1), total - ex[0][3]),
        "skip-tag": (released_tests(skip), 0),
        "stripped-metadata": (released_tests(strip), 0),
        "exits": (_insert_after(sol, ex[1][1], "import os\nos._exit(3)\n"), lesson.points(1, 2)),
        "ignores-interrupt": (_insert_after(
            sol, ex[1][1], "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
            "while True:\n    pass\n"), lesson.points(1, 2)),
        "loop-in-function": (_append(sol, ex[0][0], f"def {first_fn}(*args, **kwargs):\n"
                                     "    while True:\n        pass\n"), total - ex[0][3]),
        "loop-top-level": (_append(sol, ex[2][0], "while True:\n    pass\n"), total - ex[2][3]),
        "input": (_append(sol, ex[3][0], "name = input('your name? ')\n"), total - ex[3][3]),
        "print-20mb": (_insert_after(sol, ex[0][1], "print('x' * 20_000_000)\n"), total),
        "attacks": (_insert_after(sol, ex[1][1], ATTACK.replace("@ROOT@", repr(str(root)))
                                           .replace("@LESSON@", LESSON)
                                           .replace("@PORT@", str(port))), total),
        # right on the visible tests' inputs only (a lookup table): Validate passes, the judge
        # does not
        "hidden-fail": (_replace(sol, ex[0][0], VISIBLE_ONLY), total - ex[0][3]),
        "different-correct": (_different_answers(sol, ex), total),
        "flip-grade-flag": (_flip_grade_flag(sol, ex[1][1]), total),
        **{name: (nb, expected_cheats[name]) for name, nb in cheats.items()},
        "corrupt": (b'{"cells": [ this is not JSON', None),
    }


# -- scratch courses ----------------------------------------------------------------------------


def _tree_digest(folder):
    h = hashlib.sha256()
    for p in sorted(pathlib.Path(folder).rglob("*")):
        h.update(str(p.relative_to(folder)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


def _scores(root, lesson=LESSON):
    """{student: (score, max, {test cell: score})} from a course copy's gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        return {
            s.student_id: (s.score, s.max_score,
                           {g.name: g.score for nb in s.notebooks for g in nb.grades})
            for s in gb.assignment_submissions(lesson)
        }


def _outputs(notebook_path):
    """All the text of a notebook's outputs (streams, errors)."""
    nb = _read(notebook_path)
    parts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            parts.append("".join(out.get("text", "")))
            parts.append(f"{out.get('ename', '')}: {out.get('evalue', '')}")
    return "\n".join(parts)


class Class:
    """A scratch course with the class's submissions, and a listening socket for the attacks."""

    def __init__(self, template, folder, lesson, students=None):
        shutil.copytree(template, folder, symlinks=True)
        self.root = folder
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(5)
        self.server.setblocking(False)
        port = self.server.getsockname()[1]
        release = _read(folder / "course" / LESSON / f"{LESSON}.ipynb")
        self.expected = {}
        for student, (nb, score) in submissions(lesson, release, folder, port).items():
            if students is not None and student not in students:
                continue
            dest = folder / "submitted" / student / LESSON
            dest.mkdir(parents=True)
            data = nb if isinstance(nb, bytes) else json.dumps(nb, indent=1).encode()
            (dest / f"{LESSON}.ipynb").write_bytes(data)
            (dest / "timestamp.txt").write_text("2030-01-01 10:00:00.000000 UTC")
            if student == "cheat-files":
                for name, text in CHEAT_FILES.items():
                    (dest / name).parent.mkdir(parents=True, exist_ok=True)
                    (dest / name).write_text(text)
            self.expected[student] = score
        self.submitted_digest = _tree_digest(folder / "submitted")

    def connection_attempted(self):
        readable, _, _ = select.select([self.server], [], [], 0)
        return bool(readable)

    def notebook(self, student, step="autograded"):
        return self.root / step / student / LESSON / f"{LESSON}.ipynb"


def make_template(root):
    """A course in root with LESSON generated: nbgrader_config.py, solutions/LESSON, course/,
    gradebook; and, where there is a sandbox, LESSON's references in .judge-cache/ (what the
    probes return on the solution), computed once here by the grader's preflight (the solution
    graded twice, full marks both times) instead of once in every course copy. The runs that
    test the preflight itself, or grading without a sandbox, remove them from their copy
    (_uncached). conftest.py's session fixture ``template`` makes it."""
    shutil.copy2(ROOT / "nbgrader_config.py", root)
    shutil.copytree(ROOT / "solutions" / LESSON, root / "solutions" / LESSON)
    _nbgrader(root, "generate_assignment", LESSON, "--force")
    if SANDBOX:
        result = _run(["-c", "import sys; from autograd_course.grading import Course, "
                       "preflight_judge; preflight_judge(Course(), sys.argv[1], sys.argv[2:])",
                       LESSON, f"--Execute.timeout={TIMEOUT}",
                       f"--JudgeExecute.submission_timeout={SUBMISSION_CAP}"], root)
        if result.returncode != 0:  # each run computes them, and says what fails
            shutil.rmtree(root / ".judge-cache", ignore_errors=True)
    return root


def _uncached(c):
    """The course copy c without the template's references: its grader computes them itself."""
    shutil.rmtree(c.root / ".judge-cache", ignore_errors=True)
    return c


# -- the big runs, started together (they take most of this file's time) ---------------------


class Runs:
    def __init__(self, template, scratch, lesson):
        self.template, self.scratch, self.lesson = template, scratch, lesson
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="grading-test")
        self.futures = {}
        self.lock = threading.Lock()

    def start(self, name):
        with self.lock:
            if name not in self.futures:
                self.futures[name] = self.pool.submit(getattr(self, f"_{name}"))
            return self.futures[name]

    def result(self, name):
        return self.start(name).result()

    def start_selected(self, items, only=None):
        """Start the runs that the selected tests of this file need (all, or those in ``only``)."""
        for item in items:
            if item.module.__name__ != __name__:
                continue
            for prefix, name in _RUN_OF:
                if (item.name.startswith(prefix) and (only is None or name in only)
                        and (SANDBOX or name not in _NEEDS_SANDBOX)):
                    self.start(name)

    def _plain(self):
        """`nbgrader autograde`, `generate_feedback` and `export` on the whole class."""
        c = Class(self.template, self.scratch / "plain", self.lesson)
        c.autograde = _nbgrader(c.root, "autograde", LESSON, "--force",
                                f"--Execute.timeout={TIMEOUT}",
                                f"--JudgeExecute.submission_timeout={SUBMISSION_CAP}",
                                check=False)
        c.feedback = _nbgrader(c.root, "generate_feedback", LESSON, "--force", check=False)
        c.export = _nbgrader(c.root, "export", check=False)
        return c

    def _parallel(self):
        """`autograd-course grade --jobs 2` and `export` on the whole class."""
        c = Class(self.template, self.scratch / "parallel", self.lesson)
        started = time.monotonic()
        c.grade = _run([*GRADE, "grade", LESSON, "--jobs", "2", "--timeout", str(TIMEOUT),
                        "--set", f"JudgeExecute.submission_timeout={SUBMISSION_CAP}"], c.root)
        c.seconds = time.monotonic() - started
        c.export = _run([*GRADE, "export", "--to", "grades.csv"], c.root)
        return c

    def _limits(self):
        """A kernel that burns CPU and ignores SIGINT meets its CPU-time limit first."""
        c = Class(self.template, self.scratch / "limits", self.lesson, students={"correct"})
        hog = _insert_after(self.lesson.solution, self.lesson.exercises[1][1],
                            "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                            "while True:\n    pass\n")
        dest = c.root / "submitted" / "cpu-hog" / LESSON
        dest.mkdir(parents=True)
        (dest / f"{LESSON}.ipynb").write_text(json.dumps(hog))
        c.autograde = _nbgrader(c.root, "autograde", LESSON, "--force", "--Execute.timeout=60",
                                "--Sandbox.cpu_time=8", check=False)
        return c

    def _unsandboxed(self):
        """No sandbox possible (bwrap, setpriv missing): refused; allowed with the env var."""
        c = _uncached(Class(self.template, self.scratch / "unsandboxed", self.lesson,
                            students={"correct", "attacks"}))
        missing = ["--Sandbox.bwrap=/nonexistent/bwrap", "--Sandbox.setpriv=/nonexistent/setpriv"]
        c.refused = _nbgrader(c.root, "autograde", LESSON, "--force",
                              f"--Execute.timeout={TIMEOUT}", *missing, check=False)
        c.refused_scores = _scores(c.root)
        c.refused_grade = _run([*GRADE, "grade", LESSON, *(
            "--set=" + m.lstrip("-") for m in missing)], c.root)
        c.allowed = _nbgrader(c.root, "autograde", LESSON, "--force",
                              f"--Execute.timeout={TIMEOUT}", *missing, check=False,
                              env=_env(AUTOGRAD_COURSE_UNSANDBOXED="1"))
        return c

    def _formgrader(self):
        """The formgrader's Autograde and Feedback buttons, through its HTTP API."""
        c = Class(self.template, self.scratch / "formgrader", self.lesson,
                  students={"attacks", "hidden-fail"})
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        token = "grading-test-token"
        server = subprocess.Popen(
            [str(pathlib.Path(sys.executable).parent / "jupyter"), "server", "--no-browser",
             f"--port={port}", f"--IdentityProvider.token={token}", "--allow-root",
             "--ServerApp.jpserver_extensions=nbgrader.server_extensions.formgrader=True"],
            cwd=c.root, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        base = f"http://127.0.0.1:{port}"

        def call(path, method="GET"):
            req = urllib.request.Request(base + path, method=method,
                                         headers={"Authorization": f"token {token}"})
            with urllib.request.urlopen(req, timeout=300) as r:
                return json.loads(r.read() or b"null")

        try:
            for _ in range(120):
                try:
                    call("/formgrader/api/status")
                    break
                except OSError:
                    time.sleep(0.5)
            c.responses = {
                "attacks": call(f"/formgrader/api/submission/{LESSON}/attacks/autograde", "POST"),
                "hidden-fail": call(f"/formgrader/api/submission/{LESSON}/hidden-fail/autograde",
                                    "POST"),
                "feedback": call(f"/formgrader/api/assignment/{LESSON}/hidden-fail/"
                                 "generate_feedback", "POST"),
            }
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        return c

    def _stuck(self):
        """A student whose grading outlives --student-timeout is stopped; the others go on."""
        c = Class(self.template, self.scratch / "stuck", self.lesson,
                  students={"correct", "ignores-interrupt"})
        started = time.monotonic()
        c.grade = _run([*GRADE, "grade", LESSON, "--jobs", "2", "--timeout", "300",
                        "--student-timeout", "60"], c.root)
        c.seconds = time.monotonic() - started
        return c

    def _other_checkout(self):
        """The grader imports autograd_lib and autograd_course from another checkout of the
        course (on PYTHONPATH, as an install from another folder): the kernels import that same
        library, and cannot read that checkout's solutions either."""
        c = _uncached(Class(self.template, self.scratch / "other", self.lesson,
                            students={"correct", "untouched", "attacks"}))
        other = self.scratch / "other-checkout"
        for name in ("autograd_lib", "autograd_course"):
            shutil.copytree(ROOT / name, other / name,
                            ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy2(ROOT / "nbgrader_config.py", other)
        shutil.copytree(ROOT / "solutions" / LESSON, other / "solutions" / LESSON)
        c.other = other
        c.grade = _run([*GRADE, "grade", LESSON, "--jobs", "2", "--timeout", str(TIMEOUT)],
                       c.root, env=_env(PYTHONPATH=str(other)))
        return c

    def _broken_library(self):
        """The kernels cannot import autograd_lib (here: a kernelspec that blocks it):
        preflight refuses to grade instead of giving everyone zero."""
        c = _uncached(Class(self.template, self.scratch / "broken", self.lesson,
                            students={"correct", "untouched"}))
        spec = self.scratch / "broken-kernels" / "kernels" / "python3"
        spec.mkdir(parents=True)
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-c", "import sys; sys.modules['autograd_lib'] = None; "
                     "from ipykernel import kernelapp; kernelapp.launch_new_instance()",
                     "-f", "{connection_file}"],
            "display_name": "Python 3", "language": "python"}))
        env = _env(JUPYTER_PATH=str(self.scratch / "broken-kernels"))
        c.grade = _run([*GRADE, "grade", LESSON, "--jobs", "1", "--timeout", str(TIMEOUT)],
                       c.root, env=env)
        c.graded_after_refusal = sorted(p.name for p in (c.root / "autograded").glob("*")) \
            if (c.root / "autograded").exists() else []
        c.plain = _nbgrader(c.root, "autograde", LESSON, "--force",
                            f"--Execute.timeout={TIMEOUT}", env=env, check=False)
        return c

    def _exchange(self):
        """Release, fetch, submit, collect through an exchange folder; then zip_collect."""
        c = Class(self.template, self.scratch / "exchange", self.lesson, students=set())
        exchange = c.root / "exchange"
        exchange.mkdir()
        os.chmod(exchange, 0o777)
        ex = f"--Exchange.root={exchange}"
        c.steps = [_nbgrader(c.root, "release_assignment", LESSON, ex, check=False)]
        home = self.scratch / "student-home"
        home.mkdir()
        c.steps.append(_nbgrader(home, "fetch_assignment", LESSON, f"--course={COURSE_ID}", ex,
                                 check=False))
        fetched = home / LESSON / f"{LESSON}.ipynb"
        if fetched.exists():
            fetched.write_text(json.dumps(self.lesson.solution))
        c.steps.append(_nbgrader(home, "submit", LESSON, f"--course={COURSE_ID}", ex,
                                 check=False))
        c.steps.append(_nbgrader(c.root, "collect", LESSON, ex, check=False))
        # zip_collect: an LMS's download, one file per student, in a zip
        archive = c.root / "downloaded" / LESSON / "archive"
        archive.mkdir(parents=True)
        with zipfile.ZipFile(archive / "submissions.zip", "w") as z:
            z.writestr(f"alice_{LESSON}.ipynb", json.dumps(self.lesson.solution))
            z.writestr(f"bobsmith_12345_67890_{LESSON}.ipynb",
                       (c.root / "course" / LESSON / f"{LESSON}.ipynb").read_text())
        c.steps.append(_nbgrader(c.root, "zip_collect", LESSON, check=False))
        c.steps.append(_nbgrader(c.root, "autograde", LESSON, "--force",
                                 f"--Execute.timeout={TIMEOUT}", check=False))
        c.steps.append(_nbgrader(c.root, "generate_feedback", LESSON, check=False))
        # release_feedback is for the exchange's students (it needs their time stamps)
        student = __import__("getpass").getuser()
        c.steps.append(_nbgrader(c.root, "release_feedback", LESSON, f"--student={student}", ex,
                                 check=False))
        c.steps.append(_nbgrader(home, "fetch_feedback", LESSON, f"--course={COURSE_ID}", ex,
                                 check=False))
        c.student_home = home
        return c


# The run each test needs; the runs of the selected tests start at once, the longest first.
_RUN_OF = [("test_plain", "plain"), ("test_grade_command_grades", "parallel"),
           ("test_submissions", "plain"), ("test_attacks", "plain"), ("test_failures", "plain"),
           ("test_feedback", "plain"), ("test_export", "parallel"), ("test_no_cheat", "plain"),
           ("test_no_cheat", "parallel"), ("test_correct_answers", "plain"),
           ("test_correct_answers", "parallel"), ("test_cpu_time", "limits"),
           ("test_refuses", "unsandboxed"), ("test_formgrader", "formgrader"),
           ("test_exchange", "exchange"),
           ("test_student_timeout", "stuck"), ("test_preflight_other", "other_checkout"),
           ("test_preflight_refuses", "broken_library")]
_NEEDS_SANDBOX = {"plain", "parallel", "limits", "formgrader", "exchange", "stuck",
                  "other_checkout", "broken_library"}


_SESSION_RUNS = []  # start_runs' Runs, for session_run


def session_run(name):
    """The course copy of this session's run `name` (once it is done), if the `runs` fixture
    started it and it went through; else None. tests/test_grading_dask.py compares its scores
    with the plain run's instead of grading the same submissions by plain nbgrader again."""
    for r in _SESSION_RUNS:
        with r.lock:
            future = r.futures.get(name)
        if future is not None:
            try:
                return future.result()
            except Exception:  # reported by this module's tests
                return None
    return None


def start_runs(items, template, lesson, scratch, only=None):
    """A ``Runs`` with the runs of the selected tests (``items``) of this file started, the
    longest first (``only``: of these names only). conftest.py's session fixture
    ``grading_runs`` calls it when the session starts, for the plain run alone."""
    r = Runs(template, scratch, lesson)
    _SESSION_RUNS.append(r)
    r.start_selected(items, only)
    return r


@pytest.fixture(scope="session")
def runs(request, grading_runs):
    """The session's runs (conftest.py's ``grading_runs``, whose plain run started with the
    session); the other runs of the selected tests start now, with this file."""
    grading_runs.start_selected(request.session.items)
    return grading_runs


# -- the class, graded by plain nbgrader and by `autograd-course grade` -----------------------


def _check_scores(c, what):
    scores = _scores(c.root)
    wrong = {}
    for student, expected in c.expected.items():
        if expected is None:
            continue
        got = scores.get(student, (None,))[0]
        if got != expected:
            wrong[student] = (got, expected, scores.get(student, (0, 0, {}))[2])
    assert not wrong, f"{what}: scores (got, expected, per test cell): {wrong}"
    return scores


@needs_sandbox
def test_plain_nbgrader_grades_the_class(runs):
    """`nbgrader autograde` (the config alone, no wrapper): every score as expected, the batch
    finishes, one student's failure (corrupt) does not stop the others, submitted/ unchanged."""
    c = runs.result("plain")
    log = c.autograde.stdout + c.autograde.stderr
    _check_scores(c, "nbgrader autograde")
    assert "corrupt" in log and "There was an error processing assignment" in log, _tail(log)
    assert c.autograde.returncode != 0, "nbgrader must report the submission it could not grade"
    assert _tree_digest(c.root / "submitted") == c.submitted_digest, "submitted/ was modified"
    for student, expected in c.expected.items():
        if expected is not None:
            assert c.notebook(student).is_file(), f"{student}: no autograded notebook"


@needs_sandbox
def test_grade_command_grades_the_class_in_parallel(runs):
    """`autograd-course grade --jobs 2`: the same scores as plain nbgrader, cell by cell; a
    summary table that names every problem; submitted/ unchanged; exit status 1 (corrupt)."""
    c = runs.result("parallel")
    out = c.grade.stdout + c.grade.stderr
    assert c.grade.returncode == 1, f"expected 1 (one submission not graded):\n{_tail(out)}"
    scores = _check_scores(c, "autograd-course grade")
    assert _tree_digest(c.root / "submitted") == c.submitted_digest, "submitted/ was modified"
    plain = runs.result("plain")
    plain_scores = _scores(plain.root)
    assert scores == plain_scores, (
        "autograd-course grade and nbgrader autograde disagree:\n"
        + "\n".join(f"{s}: {scores.get(s)} vs {plain_scores.get(s)}"
                    for s in sorted(set(scores) | set(plain_scores))
                    if scores.get(s) != plain_scores.get(s)))
    table = (c.root / "grading-logs" / LESSON / "summary.txt").read_text()
    rows = {line.split()[0]: line for line in table.splitlines() if line.strip()}
    assert "FAILED" in rows["corrupt"] and "could not be graded" in rows["corrupt"], table
    assert "kernel died" in rows["exits"] and "cells not run" in rows["exits"], table
    assert "ran past the time limit" in rows["ignores-interrupt"], table
    assert "ran past the time limit" in rows["loop-in-function"], table
    assert "ran past the time limit" in rows["loop-top-level"], table
    assert "input()" in rows["input"], table
    assert "output truncated" in rows["print-20mb"], table
    assert "was missing: restored" in rows["deleted-tests"], table
    assert "was missing: restored" in rows["deleted-answer-and-test"], table
    assert re.search(r"\b\d+ of \d+ graded in .* with 2 workers", table), table
    for student in c.expected:
        assert (c.root / "grading-logs" / LESSON / f"{student}.log").is_file()


@needs_sandbox
def test_submissions_that_break_the_rules_are_graded_as_untouched(runs, lesson):
    """Edited, deleted, skip-tagged or metadata-stripped test cells are restored and run."""
    c = runs.result("plain")
    scores = _scores(c.root)
    for student in ("edited-tests", "deleted-tests-untouched", "skip-tag", "stripped-metadata"):
        assert scores[student][0] == 0, f"{student}: {scores[student]}"
        ran = _read(c.notebook(student))
        tests_run = [cell for cell in ran["cells"] if _nbgr(cell).get("grade")
                     and not _nbgr(cell).get("solution") and cell.get("outputs")]
        assert len({_nbgr(t)["grade_id"] for t in tests_run}) == len(lesson.exercises), (
            f"{student}: not every test cell ran")
    assert scores["deleted-tests"][0] == lesson.total


@needs_sandbox
def test_attacks_are_blocked_and_the_answers_still_score(runs, lesson):
    c = runs.result("plain")
    for run in (c, runs.result("parallel")):
        text = _outputs(run.notebook("attacks"))
        assert "LEAK:" not in text, f"the sandbox leaked:\n{text}"
        blocked = set(re.findall(r"BLOCKED:([\w-]+):", text))
        assert blocked == set(ATTACKS), f"attempts not reported as blocked: " \
            f"{set(ATTACKS) - blocked}\n{text[-3000:]}"
        assert "ALLOC1G:ok" in text, "a 1 GiB allocation should fit the 2 GiB limit"
        processes = int(re.search(r"PROCESSES:(\d+)", text).group(1))
        assert processes < 64, f"{processes} processes started (limit 64)"
        assert not (run.root / "pwned.txt").exists()
        assert not (run.notebook("attacks").parent / "pwned.txt").exists()
        assert not run.connection_attempted(), "a kernel reached a port on the grader's loopback"
        assert _scores(run.root)["attacks"][0] == lesson.total
        # the kernel's working folder holds no notebook and nothing handed in; the library is
        # the grader's own
        assert "CWD:[]" in text, text[-2000:]
        import autograd_lib

        assert f"LIBRARY:{autograd_lib.__file__}" in text, text[-2000:]


@needs_sandbox
def test_failures_are_named_in_the_log_and_the_feedback(runs):
    c = runs.result("plain")
    log = c.autograde.stdout + c.autograde.stderr
    assert "exits/" in log and "KernelDied" in log and "exited with status 3" in log, _tail(log)
    assert "did not stop when interrupted" in log, _tail(log)
    assert "Timeout waiting for execute reply" in log
    assert "truncated" in log
    assert c.feedback.returncode == 0, _tail(c.feedback.stdout + c.feedback.stderr)
    html = {s: (c.root / "feedback" / s / LESSON / f"{LESSON}.html")
            for s in c.expected if c.expected[s] is not None}
    for student, path in html.items():
        assert path.is_file(), (
            f"no feedback for {student}:\n{_tail(c.feedback.stdout + c.feedback.stderr)}")
    text = {s: p.read_text() for s, p in html.items()}
    assert "KernelDied" in text["exits"] and "CellNotRun" in text["exits"]
    assert "exited with status 3" in text["exits"]
    assert "did not stop when interrupted" in text["ignores-interrupt"]
    assert "ran past the time limit" in text["loop-in-function"]
    assert "time limit" in text["loop-top-level"]
    assert "StdinNotImplementedError" in text["input"]
    assert "output truncated by the grader" in text["print-20mb"]
    size = c.notebook("print-20mb").stat().st_size
    assert size < 5_000_000, f"the autograded notebook of print-20mb is {size} bytes"


def _variants(secret, release):
    """secret as a student might print it: plainly, reversed, base64 (at each alignment). A
    base64 chunk that the released notebook holds is left out: a student who prints their own
    notebook in base64 shows it (" = torch.randn(3)" of "bad = torch.randn(3)" in the lesson,
    where the probes have "a = torch.randn(3)")."""
    import base64

    found = [secret, secret[::-1]]
    for shift in range(3):
        chunk = secret[shift:]
        chunk = chunk[:len(chunk) // 3 * 3]
        if len(chunk) >= 12 and chunk not in release:
            found.append(base64.b64encode(chunk.encode()).decode())
    return found


def _text_of(path):
    text = path.read_text(errors="replace")
    return text + "\n" + html_lib.unescape(re.sub(r"<[^>]+>", "", text))


@needs_sandbox
def test_feedback_never_shows_probes_hidden_inputs_or_references(runs, lesson):
    """No probe line, probe key (they name the hidden inputs) or reference value reaches any
    feedback or graded notebook, plainly, reversed or base64-encoded; nothing a student's code
    printed or raised while probed does either."""
    c = runs.result("plain")
    release = (c.root / "course" / LESSON / f"{LESSON}.ipynb").read_text()
    secrets = lesson.secrets(release)
    assert len(secrets) > 20, secrets
    cache = list((c.root / ".judge-cache").glob(f"{LESSON}-*.json"))
    assert cache, "no cached references"
    reference = json.loads(cache[0].read_text())
    for data in reference["exercises"].values():  # reference values not in the lesson
        for _key, value in data["probes"]:
            text = json.dumps(value)
            if len(text) > 12 and text not in release:
                secrets.append(text)
    needles = {v: s for s in secrets for v in _variants(s, release)}
    for student, expected in c.expected.items():
        if expected is None:
            continue
        for path in (c.root / "feedback" / student / LESSON / f"{LESSON}.html",
                     c.notebook(student)):
            assert path.is_file(), f"{student}: no {path}"
            text = _text_of(path)
            for needle, secret in needles.items():
                assert needle not in text, f"{student}: {path.name} shows {secret!r}"
        outputs = _outputs(c.notebook(student))  # (the student's own source holds them)
        for planted in ("LEAK_7f3a", "SPY-7f3a", "AT-EXIT-7f3a"):
            assert planted not in outputs, f"{student}: its graded outputs show {planted!r}"
    found = _outputs(c.notebook("leak-notebook"))
    assert ".ipynb" not in found.replace("'*.ipynb'", ""), found[-3000:]
    failing = _text_of(c.root / "feedback" / "hidden-fail" / LESSON / f"{LESSON}.html")
    assert "model_input must copy float32 arrays of other shapes" in failing, failing[-3000:]
    assert "Passed: the grader checked" in failing  # the other exercises
    untouched = _text_of(c.root / "feedback" / "untouched" / LESSON / f"{LESSON}.html")
    assert "NotImplementedError" in untouched and "ExerciseFailed" in untouched
    size = c.notebook("leak-stdout-flood").stat().st_size
    assert size < 2_000_000, f"the flood's graded notebook is {size} bytes"


@needs_sandbox
def test_no_cheat_scores_more_than_the_honest_control(runs, lesson):
    """The attack matrix, graded by plain nbgrader and by autograd-course grade: every cheat at
    most the control's score (exercise 1's points); suspicious code and extra files listed for
    review in the logs, the summary table and the CSV export; the scratch stays under its cap;
    the sleeper is stopped by the time limit of a submission."""
    nbs, _ = cheat_submissions(lesson, _read(SOURCE))
    cheats = [s for s in nbs if s.startswith("cheat")]
    assert len(cheats) >= 8
    plain, parallel = runs.result("plain"), runs.result("parallel")
    for run in (plain, parallel):
        scores = _scores(run.root)
        control = scores["control"][0]
        assert control == lesson.points(1), scores["control"]
        over = {s: scores[s][0] for s in cheats if scores[s][0] > control}
        assert not over, f"cheats that beat the honest control ({control}): {over}"
        for leak in LEAKS:
            assert scores[leak][0] == run.expected[leak], (leak, scores[leak])
        text = _outputs(run.notebook("scratch-fill"))
        assert "SCRATCH-WROTE 0" in text and "SCRATCH-BLOCKED" in text, text[-2000:]
        tmp = int(re.search(r"TMP-WROTE (\d+)", text).group(1))
        assert tmp <= 256 << 20, f"the kernel wrote {tmp} bytes to its /tmp (cap 256 MiB)"
        meta = _read(run.notebook("cheat-files"))["metadata"]["autograd_course"]["judge"]
        assert set(meta["handed_in"]) >= {"ipykernel_launcher.py", "autograd_course/checks.py",
                                          "sitecustomize.py", "evil.pth"}, meta
    log = plain.autograde.stdout + plain.autograde.stderr
    for cheat in cheats:
        if cheat != "cheat-files":
            assert f"{cheat}/{LESSON}: suspicious code" in log, (cheat, _tail(log))
    assert "control/" + LESSON + ": suspicious" not in log
    table = (parallel.root / "grading-logs" / LESSON / "summary.txt").read_text()
    rows = {line.split()[0]: line for line in table.splitlines() if line.strip()}
    assert "REVIEW suspicious code" in rows["cheat-error-hook"], table
    assert "an IPython event hook" in rows["cheat-error-hook"], table
    assert "REVIEW handed in" in rows["cheat-files"], table
    assert "REVIEW" not in rows["correct"] and "REVIEW" not in rows["different-correct"], table
    seconds = float(rows["cheat-sleeper"].split()[2].rstrip("s"))
    assert seconds < SUBMISSION_CAP + 90, rows["cheat-sleeper"]
    exported = {r["student_id"]: r for r in csv.DictReader(open(parallel.root / "grades.csv"))}
    assert "input transformer" in exported["cheat-transformer"]["review"]
    assert exported["correct"]["review"] == ""


@needs_sandbox
def test_correct_answers_written_otherwise_pass_and_flags_are_restored(runs, lesson):
    for run in (runs.result("plain"), runs.result("parallel")):
        scores = _scores(run.root)
        assert scores["different-correct"][0] == lesson.total, scores["different-correct"]
        assert scores["flip-grade-flag"][0] == lesson.total, scores["flip-grade-flag"]
        assert scores["hidden-fail"][0] == lesson.total - lesson.points(1)


@needs_sandbox
def test_cpu_time_limit_stops_a_kernel_that_ignores_interrupts(runs, lesson):
    c = runs.result("limits")
    log = c.autograde.stdout + c.autograde.stderr
    scores = _scores(c.root)
    assert scores["correct"][0] == lesson.total, _tail(log)
    assert scores["cpu-hog"][0] == lesson.points(1, 2), (scores["cpu-hog"], _tail(log))
    assert "SIGXCPU" in log or "SIGKILL" in log, _tail(log)
    assert "CPU-time limit" in _outputs(c.notebook("cpu-hog"))


def test_refuses_to_grade_without_a_sandbox_unless_told(runs, lesson):
    c = runs.result("unsandboxed")
    log = c.refused.stdout + c.refused.stderr
    assert c.refused.returncode != 0 and "Refusing to grade" in log, _tail(log)
    assert "AUTOGRAD_COURSE_UNSANDBOXED" in log
    assert all(score == 0 for score, _, _ in c.refused_scores.values()), c.refused_scores
    out = c.refused_grade.stdout + c.refused_grade.stderr
    assert c.refused_grade.returncode == 2 and "Refusing to grade" in out, _tail(out)
    log = c.allowed.stdout + c.allowed.stderr
    assert c.allowed.returncode == 0, _tail(log)
    assert "WITHOUT a sandbox" in log, "running without a sandbox must say so"
    scores = _scores(c.root)
    assert scores["correct"][0] == lesson.total
    # Without the sandbox the attack cell reads the solutions: it does detect a leak.
    text = _outputs(c.notebook("attacks"))
    assert "LEAK:read-solutions:" in text and "LEAK:grader-environment" in text, text[-2000:]


@needs_sandbox
def test_formgrader_buttons_are_sandboxed_and_hide_hidden_tests(runs, lesson):
    c = runs.result("formgrader")
    for name, response in c.responses.items():
        assert response and response.get("success"), f"{name}: {response}"
    text = _outputs(c.notebook("attacks"))
    assert "LEAK:" not in text and "BLOCKED:read-solutions:" in text, text[-2000:]
    scores = _scores(c.root)
    assert scores["attacks"][0] == lesson.total
    assert scores["hidden-fail"][0] == lesson.total - lesson.points(1)
    html = (c.root / "feedback" / "hidden-fail" / LESSON / f"{LESSON}.html").read_text()
    assert "model_input must copy float32 arrays of other shapes" in html and "def ex2_" not in html


@needs_sandbox
def test_exchange_and_zip_collect(runs, lesson):
    c = runs.result("exchange")
    for step in c.steps:
        assert step.returncode == 0, f"{step.args[3:5]}: {_tail(step.stdout + step.stderr)}"
    collected = sorted(p.name for p in (c.root / "submitted").iterdir())
    assert "alice" in collected and "bobsmith" in collected and len(collected) == 3, collected
    scores = _scores(c.root)
    assert scores["alice"][0] == lesson.total and scores["bobsmith"][0] == 0
    exchanged = [s for s in collected if s not in ("alice", "bobsmith")][0]
    assert scores[exchanged][0] == lesson.total
    fetched = list((c.student_home / LESSON / "feedback").rglob(f"{LESSON}.html"))
    assert fetched, "fetch_feedback brought no feedback back"
    assert "Passed: the grader checked" in fetched[0].read_text()


@needs_sandbox
def test_student_timeout_stops_one_student_only(runs, lesson):
    c = runs.result("stuck")
    out = c.grade.stdout + c.grade.stderr
    assert c.grade.returncode == 1, _tail(out)
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "TIMED OUT" in rows["ignores-interrupt"], out
    assert "more than 60 s" in rows["ignores-interrupt"], out
    assert rows["correct"].split()[1] == f"{lesson.total:g}/{lesson.total:g}", out
    assert c.seconds < 240, f"took {c.seconds:.0f} s: the stuck student was not stopped in time"
    scores = _scores(c.root)
    assert scores["correct"][0] == lesson.total and "ignores-interrupt" in scores


@needs_sandbox
def test_preflight_other_checkout_grades_with_the_graders_library(runs, lesson):
    c = runs.result("other_checkout")
    out = c.grade.stdout + c.grade.stderr
    assert c.grade.returncode == 0, _tail(out)
    scores = _scores(c.root)
    assert scores["correct"][0] == lesson.total and scores["untouched"][0] == 0, scores
    assert scores["attacks"][0] == lesson.total, scores
    text = _outputs(c.notebook("attacks"))
    assert f"LIBRARY:{c.other / 'autograd_lib' / '__init__.py'}" in text, text[-2000:]
    assert "BLOCKED:read-library-checkout:" in text and "LEAK:" not in text, text[-2000:]


@needs_sandbox
def test_preflight_refuses_when_the_kernel_cannot_import_the_library(runs, lesson):
    c = runs.result("broken_library")
    out = c.grade.stdout + c.grade.stderr
    assert c.grade.returncode == 2, _tail(out)
    assert "Refusing to grade" in out and "ModuleNotFoundError" in out, _tail(out)
    assert "autograd_lib" in out, _tail(out)
    assert not c.graded_after_refusal, c.graded_after_refusal
    log = c.plain.stdout + c.plain.stderr
    assert c.plain.returncode != 0 and "Refusing to grade" in log, _tail(log)
    assert log.count("does not get full marks") >= 2, _tail(log)  # each student says why


@needs_sandbox
def test_export_csv(runs, lesson):
    plain = runs.result("plain")
    assert plain.export.returncode == 0, _tail(plain.export.stdout + plain.export.stderr)
    rows = list(csv.DictReader(open(plain.root / "grades.csv")))
    graded = [s for s, e in plain.expected.items() if e is not None]
    assert {r["student_id"] for r in rows} >= set(graded)
    c = runs.result("parallel")
    assert c.export.returncode == 0, _tail(c.export.stdout + c.export.stderr)
    rows = {r["student_id"]: r for r in csv.DictReader(open(c.root / "grades.csv"))}
    for student in graded:
        assert float(rows[student][LESSON]) == c.expected[student], rows[student]
        assert float(rows[student]["max_total"]) == lesson.total


# -- unit tests: quick, no kernels ------------------------------------------------------------


def _resolve(config, caplog):
    """Sandbox(config).resolve() and the warning it logged, if any."""
    import logging

    from autograd_course.sandbox import Sandbox

    Sandbox._probed.clear()
    Sandbox._warned.clear()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        mode = Sandbox(config=config).resolve()
    return mode, caplog.text


def test_sandbox_refusal_and_opt_in(monkeypatch, caplog):
    from traitlets.config import Config

    from autograd_course.sandbox import SandboxUnavailable

    config = Config()
    config.CourseDirectory.root = str(ROOT)
    config.Sandbox.bwrap = "/nonexistent/bwrap"
    config.Sandbox.setpriv = "/nonexistent/setpriv"
    monkeypatch.delenv("AUTOGRAD_COURSE_UNSANDBOXED", raising=False)
    with pytest.raises(SandboxUnavailable, match="AUTOGRAD_COURSE_UNSANDBOXED=1"):
        _resolve(config, caplog)
    monkeypatch.setenv("AUTOGRAD_COURSE_UNSANDBOXED", "1")
    mode, warning = _resolve(config, caplog)
    assert mode == "none" and "WITHOUT a sandbox" in warning and "bwrap not found" in warning
    monkeypatch.delenv("AUTOGRAD_COURSE_UNSANDBOXED")
    config.Sandbox.allow_unsandboxed = True
    mode, warning = _resolve(config, caplog)
    assert mode == "none" and "WITHOUT a sandbox" in warning
    config.Sandbox.allow_unsandboxed = False
    config.Sandbox.mode = "none"
    mode, warning = _resolve(config, caplog)
    assert mode == "none" and "mode = 'none'" in warning


def test_setpriv_mode_refuses_world_readable_secrets(monkeypatch, caplog):
    """setpriv protects files by their modes only: solutions/ that any user may read (as after
    a git clone) make it refuse; made private, it runs, warning of what it does not enforce."""
    import tempfile

    from traitlets.config import Config

    from autograd_course.sandbox import Sandbox, SandboxUnavailable

    # Not under pytest's tmp_path: its folders are private (0700), nothing in them is exposed.
    tmp_path = pathlib.Path(tempfile.mkdtemp(prefix="agc-test-", dir="/tmp"))
    try:
        (tmp_path / "solutions").mkdir()
        os.chmod(tmp_path, 0o755)
        os.chmod(tmp_path / "solutions", 0o755)
        config = Config()
        config.CourseDirectory.root = str(tmp_path)
        config.CourseDirectory.source_directory = "solutions"
        config.Sandbox.mode = "setpriv"
        monkeypatch.setattr(Sandbox, "_probe", lambda self, mode: (True, ""))
        with pytest.raises(SandboxUnavailable, match=r"readable by any user: .*solutions"):
            _resolve(config, caplog)
        os.chmod(tmp_path / "solutions", 0o750)
        mode, warning = _resolve(config, caplog)
        assert mode == "setpriv" and "network is not blocked" in warning
    finally:
        Sandbox._probed.clear()
        shutil.rmtree(tmp_path)


def test_sandbox_never_exposes_a_folder_that_holds_secrets(tmp_path):
    from traitlets.config import Config

    from autograd_course.sandbox import Sandbox, SandboxUnavailable

    (tmp_path / "solutions").mkdir()
    config = Config()
    config.CourseDirectory.root = str(tmp_path)
    config.CourseDirectory.source_directory = "solutions"
    config.Sandbox.extra_read_only_paths = [str(tmp_path)]  # the course root itself
    sandbox = Sandbox(config=config)
    with pytest.raises(SandboxUnavailable, match="would expose"):
        sandbox.command("bwrap", ["python"], cwd=str(tmp_path), scratch=str(tmp_path / "s"))


def test_byte_sizes():
    from autograd_course.sandbox import ByteSize, Sandbox

    s = Sandbox()
    for text, value in [("2G", 2 * 1024**3), ("512M", 512 * 1024**2), ("64k", 65536),
                        ("1.5GiB", int(1.5 * 1024**3)), (1000, 1000), ("2048", 2048)]:
        s.memory = text
        assert s.memory == value, text
    from traitlets import TraitError

    with pytest.raises(TraitError):
        s.memory = "lots"
    assert isinstance(Sandbox.memory, ByteSize)


def test_kernel_launcher_sets_limits():
    launcher = ROOT / "autograd_course" / "kernel_launcher.py"
    probe = ("import resource as r, os; print(*(r.getrlimit(x)[0] for x in (r.RLIMIT_AS, "
             "r.RLIMIT_CPU, r.RLIMIT_FSIZE, r.RLIMIT_CORE)), 'JPY_PARENT_PID' in os.environ)")
    result = subprocess.run(
        [sys.executable, "-I", "-S", str(launcher), "--memory=1073741824", "--cpu=7",
         "--file-size=1048576", "--", sys.executable, "-c", probe],
        capture_output=True, text=True, env={**os.environ, "JPY_PARENT_PID": "1"}, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1073741824", "7", "1048576", "0", "False"]


def test_a_students_grading_process_finds_the_grading_loaded():
    """Forked from the worker's forkserver, it finds autograd_lib, the judge and nbformat's
    compiled validators there (autograd_course/grading_preload.py; multiprocessing would drop
    a preload module that fails to import without a word)."""
    import nbformat.v4

    from autograd_course import grading

    minor = nbformat.v4.nbformat_minor
    check = ("import os, sys, nbformat.validator as v\n"
             "loaded = {'autograd_lib', 'numpy', 'autograd_course.judge'} <= set(sys.modules)\n"
             f"compiled = {{k[1:] for k in v.validators}} >= {{(4, {minor}, False), "
             f"(4, {minor}, True)}}\n"
             "os._exit(0 if loaded and compiled else 3)")
    process = grading._context().Process(target=exec, args=(check,))
    process.start()
    process.join(120)
    assert process.exitcode == 0


def test_local_cluster_runs_dasks_periodic_work_less_often():
    import dask

    from autograd_course import cluster

    names = ("distributed.worker.profile.enabled", "distributed.admin.tick.interval",
             "distributed.admin.system-monitor.interval",
             "distributed.worker.memory.monitor-interval")
    with cluster.connect(workers=1) as client:
        on_worker = next(iter(client.run(lambda: [dask.config.get(n) for n in names]).values()))
        profiling = next(iter(client.run(
            lambda dask_worker: "profile" in dask_worker.periodic_callbacks).values()))
    assert on_worker == [False, "1s", "5s", "1s"]
    assert not profiling
    assert dask.config.get("distributed.admin.tick.interval") == "20ms"  # this process: as was


def _error(ename, evalue, lines, count=7):
    frame = [f"\x1b[36mCell\x1b[39m\x1b[36m \x1b[39m\x1b[32mIn[{count}]\x1b[39m"
             f"\x1b[32m, line {lines[-1][0]}\x1b[39m"]
    for number, text in lines:
        marker = "---> " if number == lines[-1][0] else "     "
        frame.append(f"\x1b[32m{marker}{number:>3}\x1b[39m {text}")
    return {"output_type": "error", "ename": ename, "evalue": evalue,
            "traceback": ["\x1b[31m----\x1b[39m", "\n".join(frame), f"{ename}: {evalue}"]}


def test_hide_hidden_tests_unit():
    from nbformat import from_dict

    from autograd_course.feedback import HideHiddenTests

    source = ("checks.previous_cell_ok()\nassert f(1) == 1, 'f(1) should be 1'\n\n"
              "### BEGIN HIDDEN TESTS\nassert f(12345) == 99, 'secret input 12345'\n"
              "### END HIDDEN TESTS")
    visible_fail = _error("AssertionError", "f(1) should be 1",
                          [(1, "checks.previous_cell_ok()"), (3, ""), (4, "### BEGIN HIDDEN TESTS"),
                           (5, "assert f(12345) == 99"), (2, "assert f(1) == 1")])
    hidden_fail = _error("AssertionError", "secret input 12345",
                         [(4, "### BEGIN HIDDEN TESTS"), (5, "assert f(12345) == 99")])
    timeout = {"output_type": "error", "ename": "CellTimeoutError", "evalue": "time limit",
               "traceback": ["CellTimeoutError: time limit"]}
    nb = from_dict({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": "a", "execution_count": 7, "metadata": {}, "source": source,
         "outputs": [visible_fail]},
        {"cell_type": "code", "id": "b", "execution_count": 7, "metadata": {}, "source": source,
         "outputs": [hidden_fail, timeout]},
    ]})
    nb, _ = HideHiddenTests().preprocess(nb, {})
    for cell in nb.cells:
        assert "12345" not in cell.source and "hidden tests, not shown" in cell.source
        assert "12345" not in json.dumps(cell.outputs)
    first = nb.cells[0].outputs[0]
    assert first.evalue == "f(1) should be 1" and "assert f(1) == 1" in "".join(first.traceback)
    second = nb.cells[1].outputs
    assert second[0].evalue.startswith("a hidden test failed")
    assert second[1].evalue == "time limit"  # the grader's own errors stay as they are


def test_grade_command_usage_errors(template, tmp_path):
    course = tmp_path / "c"
    shutil.copytree(template, course)
    r = _run([*GRADE, "grade", "no_such_lesson"], course)
    assert r.returncode == 2 and "no lesson" in r.stderr
    r = _run([*GRADE, "grade", LESSON, "--student", "nobody"], course)
    assert r.returncode == 2 and "no submission" in r.stderr
    r = _run([*GRADE, "grade", LESSON, "--set", "not-an-option"], course)
    assert r.returncode == 2 and "CLASS.OPTION=VALUE" in r.stderr
    r = _run([*GRADE, "grade", LESSON], course)
    assert r.returncode == 1 and "No submissions" in r.stderr
    r = _run([*GRADE, "grade", LESSON, "--merge", "results-1"], course)
    assert r.returncode == 2 and "--scheduler" in r.stderr, r.stderr


def test_cli_offers_grade_and_export():
    """`autograd-course grade/export`, once cli.py adds them (grading.add_grade_commands)."""
    try:
        from autograd_course import cli
    except ImportError:
        pytest.skip("autograd_course/cli.py is not there")
    if "add_grade_commands" not in pathlib.Path(cli.__file__).read_text():
        pytest.skip("cli.py does not call grading.add_grade_commands(...) yet")
    parser = cli.build_parser()
    for command in ("grade", "export"):
        with pytest.raises(SystemExit) as e:
            parser.parse_args([command, "--help"])
        assert e.value.code == 0


def test_gitignore_covers_grading_state():
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", "submitted/a/x.ipynb", "autograded/a/x.ipynb",
         "feedback/a/x.html", "gradebook.db", "exchange/x", "downloaded/x", "grading-logs/x",
         "grades.csv"],
        cwd=ROOT, capture_output=True, text=True)
    if ignored.returncode == 128:
        pytest.skip(f"not a git checkout: {ignored.stderr.strip()}")
    listed = set(ignored.stdout.split())
    missing = {"submitted/a/x.ipynb", "autograded/a/x.ipynb", "feedback/a/x.html",
               "gradebook.db", "exchange/x", "downloaded/x", "grading-logs/x",
               "grades.csv"} - listed
    assert not missing, f".gitignore should ignore {sorted(missing)} (grading state)"

