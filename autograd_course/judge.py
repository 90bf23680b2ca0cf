"""The judge: every point is decided in the grader's own process, on plain data.

A student's code runs first, in the same interpreter as anything the grader puts in their kernel,
so nothing that kernel says about itself can be trusted: not a test cell's output, not its error
status, not an ``execute_result``. The judge therefore never runs the test cells when grading.
For each submission, in a fresh sandboxed kernel (:mod:`autograd_course.sandbox`):

1. the student's program runs: every code cell of the notebook except the test cells, in a
   working folder that holds the lesson's data files only (no notebook, nothing the student
   handed in), with Python's safe path (``PYTHONSAFEPATH``: that folder is not on ``sys.path``);
2. then, for each exercise, one silent request calls the exercise's *probes* (the function of
   ``solutions/<lesson>/probes.py`` named after its test cell's ``grade_id``; see
   :mod:`autograd_course.probing`) on the student's names; what they return comes back as data,
   and whatever the student's code prints meanwhile is dropped;
3. in the grader's process, the data is compared, probe by probe, with the *reference*: what the
   same probes returned on the instructor's solution (``solutions/<lesson>/<lesson>.ipynb``), run
   the same way in a kernel of its own. References are cached in the course's ``.judge-cache/``
   (keyed by the solution, the probes and the library's code), never in a student's kernel
   folder.

The verdicts become the test cells' outputs (a pass, or an error that lists the messages of the
probes that failed), so nbgrader's ``SaveAutoGrades``, the formgrader, manual grading, feedback
and export work as before. A verdict shows only the instructor's messages: never probe source,
hidden inputs, reference values, or anything the student's code produced while probed.

An exercise also scores nothing when one of its answer cells raised an error, ran past the time
limit, or did not run (a kernel that died, or the time limit of the whole submission,
``JudgeExecute.submission_timeout``).

Before grading a lesson, the judge grades the instructor's own solution through this pipeline
(*preflight*) and refuses, saying what failed, unless it gets full marks.
"""

import ast
import builtins
import copy
import hashlib
import json
import os
import pathlib
import re
import shutil
import sys
import tempfile
import time
import uuid

from nbformat import NotebookNode
from traitlets import Integer, Unicode, default

from autograd_course import suspicious
from autograd_course.sandbox import SandboxedExecute

PROBES_FILE = "probes.py"
CACHE_DIR = ".judge-cache"
METADATA_KEY = "autograd_course"
# Errors whose name a verdict may show (Python's own: a name of the student's making could
# carry hidden inputs out).
SAFE_ERRORS = {name for name, obj in vars(builtins).items()
               if isinstance(obj, type) and issubclass(obj, BaseException)}
MAX_MESSAGES = 5
MAX_REPLY = 20_000_000  # characters of probe data accepted from one exercise


class JudgeError(RuntimeError):
    """The lesson cannot be graded (no probes, a preflight that failed)."""


# -- the lesson: exercises, their answer cells, their probes -----------------------------------


def _nbgr(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def is_test(cell):
    """A test cell: graded, not an answer (the cells the judge replaces by its verdicts)."""
    return bool(_nbgr(cell).get("grade")) and not _nbgr(cell).get("solution") and \
        cell.get("cell_type") == "code"


def _source(cell):
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def probe_function(grade_id):
    """The name of an exercise's probe function: its test cell's grade_id as an identifier
    (ex1-tests -> ex1_tests)."""
    name = re.sub(r"\W", "_", grade_id)
    return "_" + name if name[:1].isdigit() else name


def defined_names(source):
    """The names a cell defines at top level (functions, classes, assignments)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                names |= {n.id for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


class Exercise:
    def __init__(self, grade_id, points, answers, names):
        self.grade_id, self.points = grade_id, points
        self.answers = answers  # the grade_ids of its answer cells
        self.names = names  # what those cells define


class Lesson:
    """A lesson's source notebook and probes: its exercises, in order."""

    def __init__(self, notebook_path, probes_path, probes_source=None):
        """probes_source: what the judge runs, if not probes_path's text (a translated
        edition's: the English probes.py with translated messages, autograd_course.i18n)."""
        self.notebook_path = pathlib.Path(notebook_path)
        self.probes_path = pathlib.Path(probes_path)
        with open(self.notebook_path, encoding="utf-8") as f:
            self.notebook = json.load(f)
        if probes_source is None and not self.probes_path.is_file():
            raise JudgeError(
                f"no probes for {self.notebook_path.name}: write {self.probes_path} "
                "(docs/authoring.md says how)"
            )
        self.probes_source = (probes_source if probes_source is not None
                              else self.probes_path.read_text(encoding="utf-8"))
        try:
            tree = ast.parse(self.probes_source, filename=str(self.probes_path))
        except SyntaxError as e:
            raise JudgeError(f"{self.probes_path}: {e}") from None
        functions = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        self.exercises, answers, names = [], [], set()
        for cell in self.notebook["cells"]:
            meta = _nbgr(cell)
            if meta.get("solution"):
                answers.append(meta.get("grade_id"))
                names |= defined_names(_source(cell))
            if is_test(cell):
                self.exercises.append(Exercise(meta["grade_id"], float(meta.get("points", 0)),
                                               answers, names))
                answers, names = [], set()
        missing = [e.grade_id for e in self.exercises if probe_function(e.grade_id) not in
                   functions]
        if missing:
            raise JudgeError(
                f"{self.probes_path} has no probe function for the test cell"
                f"{'s' * (len(missing) > 1)} {', '.join(missing)} (a function named after each "
                "test cell's grade_id, e.g. `def ex1_tests(answer, probe):` for ex1-tests)"
            )

    def key(self):
        """What a reference depends on: the solution, the probes, the code that runs them."""
        h = hashlib.sha256()
        h.update(self.notebook_path.read_bytes())
        h.update(self.probes_source.encode())
        h.update(sys.version.encode())
        for package in ("autograd_lib", "autograd_course"):
            module = __import__(package)
            root = pathlib.Path(module.__file__).resolve().parent
            for p in sorted(root.rglob("*.py")):
                h.update(str(p.relative_to(root)).encode())
                h.update(p.read_bytes())
        return h.hexdigest()[:24]


def load_lesson(source_dir, assignment, notebook=None):
    """An assignment's Lesson: solutions/<assignment>/<notebook>.ipynb and its probes. A
    translated edition (`03_graph.zh-CN`, made by scripts/i18n.py) has no probes.py of its own:
    the English lesson's are used, with their messages translated (autograd_course.i18n)."""
    from autograd_course import i18n

    folder = pathlib.Path(source_dir) / assignment
    try:
        probes_path, probes_source = i18n.probes_for(source_dir, assignment)
    except i18n.TranslationError as e:
        raise JudgeError(str(e)) from None
    return Lesson(folder / f"{notebook or assignment}.ipynb", probes_path, probes_source)


# -- comparing data ----------------------------------------------------------------------------


def same(value, reference, rtol=1e-5, atol=1e-8):
    """Whether a probe's value matches the reference: numbers within rtol/atol, everything else
    exactly (booleans are not numbers here, shapes are exact)."""
    if reference is None or isinstance(reference, (bool, str)):
        return type(value) is type(reference) and value == reference
    if isinstance(reference, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if isinstance(reference, int) and isinstance(value, int):
            return value == reference
        return abs(value - reference) <= atol + rtol * abs(reference)
    if isinstance(reference, list):
        return isinstance(value, list) and len(value) == len(reference) and all(
            same(v, r, rtol, atol) for v, r in zip(value, reference))
    if isinstance(reference, dict):
        if not isinstance(value, dict) or set(value) != set(reference):
            return False
        if "shape" in reference and "values" in reference:  # a tensor: exact shape first
            if value["shape"] != reference["shape"]:
                return False
        return all(same(value[k], reference[k], rtol, atol) for k in reference)
    return False


class Verdict:
    def __init__(self, grade_id, passed, messages, checks=0):
        self.grade_id, self.passed, self.messages, self.checks = (
            grade_id, passed, messages, checks)

    def to_json(self):
        return {"grade_id": self.grade_id, "passed": self.passed, "messages": self.messages,
                "checks": self.checks}

    def output(self):
        """The test cell's output: nbgrader scores a cell with an error output zero."""
        if self.passed:
            return NotebookNode(output_type="stream", name="stdout", text=(
                f"Passed: the grader checked this exercise ({self.checks} checks).\n"))
        text = "The grader's checks of this exercise failed:\n" + "\n".join(
            f"- {m}" for m in self.messages)
        return NotebookNode(output_type="error", ename="ExerciseFailed", evalue=text,
                            traceback=[f"\x1b[0;31mExerciseFailed\x1b[0m: {text}"])


def _missing_message(name, exercise):
    if name in exercise.names:
        return f"`{name}` is not defined: run the cell that defines it (and keep its name)"
    return "a name this exercise needs is not defined: run the cells above it"


def _error_message(data, exercise):
    if "missing" in data:
        return _missing_message(data["missing"], exercise)
    name = data.get("error")
    return f"your code raised {name if name in SAFE_ERRORS else 'an error'}"


def judge_exercise(exercise, student, reference):
    """The verdict on one exercise: student and reference are probing.run's data (or, for the
    student, {"failed": message} when the probes could not run)."""
    if "failed" in student:
        return Verdict(exercise.grade_id, False, [student["failed"]])
    specs = reference["specs"]
    values = {}
    for item in student.get("probes", []):
        if isinstance(item, list) and len(item) == 2 and isinstance(item[0], str):
            values.setdefault(item[0], item[1])
    messages, errors, failed = [], [], 0
    for key, expected in reference["probes"]:
        spec = specs[key]
        got = values.get(key, None)
        if key in values and same(got, expected, spec["rtol"], spec["atol"]):
            continue
        failed += 1
        messages.append(spec["message"])
        if isinstance(got, dict) and ("error" in got or "missing" in got) and not (
                isinstance(expected, dict) and "error" in expected):
            errors.append(_error_message(got, exercise))
        else:
            errors.append(None)
    if failed and len(set(errors)) == 1 and errors[0]:  # one cause: say it once
        messages = list(dict.fromkeys(messages))[:1] + [errors[0]]
    else:
        messages = [m + (f" ({e})" if e else "") for m, e in zip(messages, errors)]
    stopped = student.get("stopped")
    if isinstance(stopped, dict):
        messages.append("the grader's checks stopped early: " + _error_message(stopped, exercise))
        failed += 1
    if not reference["probes"] and not failed:
        messages.append("this exercise has no checks")  # an authoring error; preflight refuses
    unique = list(dict.fromkeys(messages))
    if len(unique) > MAX_MESSAGES:
        unique = unique[:MAX_MESSAGES] + [f"... and {len(unique) - MAX_MESSAGES} more"]
    return Verdict(exercise.grade_id, not messages, unique, len(reference["probes"]))


# -- running a program and its probes in a sandboxed kernel ------------------------------------


_SENTINEL = "# autograd-course judge: probes " + uuid.uuid4().hex


class JudgeExecute(SandboxedExecute):
    """nbgrader's execution step, replaced by the judge (in nbgrader_config.py's
    ``c.Autograde.autograde_preprocessors``): runs the student's cells, then the probes, in a
    sandboxed kernel, and writes the verdicts into the test cells."""

    submission_timeout = Integer(
        600, help="Wall-clock seconds for one notebook: the student's cells and the probes "
        "together. Cells after it are not run; exercises not checked by then score nothing.",
    ).tag(config=True)
    cache_dir = Unicode(
        help="Where references (what the probes return on the solution) are cached; default: "
        f"{CACHE_DIR}/ in the course's root. Must not be readable by a grading kernel."
    ).tag(config=True)

    @default("cache_dir")
    def _cache_dir_default(self):
        return os.path.join(self._course_root(), CACHE_DIR)

    # -- the course's files

    def _course_root(self):
        cd = self.config.get("CourseDirectory", {})
        return str(cd.get("root", "") or os.getcwd())

    def _folder(self, trait, default_name):
        cd = self.config.get("CourseDirectory", {})
        return pathlib.Path(self._course_root()) / cd.get(trait, default_name)

    def lesson(self, assignment, notebook):
        return load_lesson(self._folder("source_directory", "source"), assignment, notebook)

    # -- one notebook

    def preprocess(self, nb, resources=None, km=None):
        info = resources["nbgrader"]
        lesson = self.lesson(info["assignment"], info["notebook"])
        reference = self.reference(lesson, resources)
        started = time.monotonic()
        run = self.run_program(nb, resources, lesson)
        verdicts = {}
        for exercise in lesson.exercises:
            verdicts[exercise.grade_id] = judge_exercise(
                exercise, run["exercises"][exercise.grade_id], reference["exercises"][
                    exercise.grade_id])
        for cell in nb.cells:
            if is_test(cell):
                grade_id = _nbgr(cell).get("grade_id")
                cell.execution_count = None
                verdict = verdicts.get(grade_id)
                cell.outputs = [verdict.output()] if verdict else [NotebookNode(
                    output_type="error", ename="ExerciseFailed", evalue="not a test cell of "
                    "this lesson", traceback=["ExerciseFailed: not a test cell of this lesson"])]
        report = {
            "verdicts": [v.to_json() for v in verdicts.values()],
            "suspicious": suspicious.scan(nb, lesson.notebook),
            "handed_in": run["handed_in"],
            "seconds": round(time.monotonic() - started, 2),
        }
        nb.metadata.setdefault(METADATA_KEY, {})["judge"] = report
        who = f"{info.get('student')}/{info.get('assignment')}"
        passed = sum(v.passed for v in verdicts.values())
        self.log.info("%s: the judge passed %d of %d exercises", who, passed, len(verdicts))
        if report["suspicious"]:
            self.log.warning("%s: suspicious code: %s", who, "; ".join(report["suspicious"]))
        if report["handed_in"]:
            self.log.warning("%s: files handed in besides the notebook (not used): %s", who,
                             ", ".join(report["handed_in"]))
        return nb, resources

    restarts = Integer(
        3, help="Fresh kernels the judge may start for one notebook when a kernel dies (or is "
        "stopped) before every exercise was checked; each runs the student's cells again, up "
        "to the one that stopped the first kernel, then probes the exercises left.",
    ).tag(config=True)

    def run_program(self, nb, resources, lesson):
        """Run nb's cells except its tests (their outputs land in nb), then every exercise's
        probes: {"exercises": {grade_id: data}, "handed_in": [...]}."""
        program = copy.deepcopy(nb)
        for cell in program.cells:
            if is_test(cell):
                cell.source = ""
        program.cells.append(NotebookNode(cell_type="code", source=_SENTINEL, metadata={},
                                          outputs=[], execution_count=None))
        original = resources.get("metadata", {}).get("path") or os.getcwd()
        handed_in = _handed_in(original)
        workdir = tempfile.mkdtemp(prefix="agc-work-")
        os.chmod(workdir, 0o755)
        release = self._folder("release_directory", "release") / resources["nbgrader"][
            "assignment"]
        _copy_data_files(release, workdir)
        self._lesson, self._probed, self._stopped_at = lesson, {}, None
        self._exercises = {e.grade_id: e for e in lesson.exercises}
        self._pending = [e.grade_id for e in lesson.exercises]
        self._deadline = time.monotonic() + self.submission_timeout
        self._configured_timeout = self.timeout
        resources = dict(resources, metadata=dict(resources.get("metadata", {}), path=workdir))
        try:
            super().preprocess(program, resources, None)
            # The kernel stopped before every exercise was probed (it died, or ran past a time
            # limit): probe the rest in a fresh kernel that runs the cells before the one that
            # stopped the first (all of them if it stopped in the probes).
            cells = program.cells[:-1][:self._stopped_at]
            reason = self._stopped or "the kernel stopped"
            for _ in range(self.restarts):
                if not self._pending or time.monotonic() >= self._deadline:
                    break
                again = copy.deepcopy(program)
                again.cells = [copy.deepcopy(c) for c in cells] + [copy.deepcopy(
                    program.cells[-1])]
                again.cells[-1].source = _SENTINEL
                for c in again.cells:
                    c.outputs = []
                super().preprocess(again, resources, None)
        finally:
            self.timeout = self._configured_timeout
            shutil.rmtree(workdir, ignore_errors=True)
        for grade_id in self._pending:
            self._probed[grade_id] = {"failed": f"not checked: {reason}"}
        for cell, ran in zip(nb.cells, program.cells):
            if cell.cell_type == "code" and not is_test(cell):
                cell.outputs = ran.get("outputs", [])
                cell.execution_count = ran.get("execution_count")
        # An exercise whose answer did not finish scores nothing: its answer cells, and the
        # code cell just before its test cell (what checks.previous_cell_ok() looks at).
        exercises = dict(self._probed)
        cells = {_nbgr(c).get("grade_id"): c for c in nb.cells if _nbgr(c).get("grade_id")}
        before, previous = {}, None
        for cell in nb.cells:
            if is_test(cell):
                before.setdefault(_nbgr(cell).get("grade_id"), previous)
            elif cell.cell_type == "code" and cell.source.strip():
                previous = cell
        for exercise in lesson.exercises:
            for answer in [cells.get(a) for a in exercise.answers] + [
                    before.get(exercise.grade_id)]:
                problem = _cell_problem(answer)
                if problem:
                    exercises[exercise.grade_id] = {"failed": problem}
                    break
        return {"exercises": exercises, "handed_in": handed_in}

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and cell.source == _SENTINEL:
            cell.source = ""
            if self._stopped is None:
                self._run_probes()
            return cell, resources
        if cell.cell_type == "code" and cell.source.strip() and self._stopped is None:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                self._stopped = (f"the time limit of a whole submission "
                                 f"({self.submission_timeout} s) ran out")
                self._stopped_at = index
            else:
                self.timeout = max(1, min(self._configured_timeout, int(remaining) + 1))
        if is_test(cell) and self._stopped is None and getattr(self, "kc", None) is not None:
            exercise = self._exercises.get(_nbgr(cell).get("grade_id"))
            if exercise is not None and exercise.names:
                from jupyter_core.utils import run_sync

                run_sync(self._snapshot)(exercise)
            return cell, resources
        cell, resources = super().preprocess_cell(cell, resources, index)
        return cell, resources

    async def _snapshot(self, exercise):
        """At an exercise's test cell: keep what its names are now (probing.snapshot)."""
        call = (f"__import__('autograd_course.probing').probing.snapshot(globals(), "
                f"{sorted(exercise.names)!r}, {probe_function(exercise.grade_id)!r})")
        if (await self._silent({"snapshot": call}, 10))[0] != "reply":
            self.log.info("%s: no snapshot of %s's names", self._who, exercise.grade_id)

    def _stop(self, cell, index, ename, message):
        super()._stop(cell, index, ename, message)
        self._stopped_at = index

    _stopped_at = None

    def _run_probes(self):
        """Probe the exercises still pending, in order, until the kernel stops."""
        from jupyter_core.utils import run_sync

        while self._pending:
            grade_id = self._pending[0]
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                for left in self._pending:
                    self._probed[left] = {"failed": (
                        f"not checked: the time limit of a whole submission "
                        f"({self.submission_timeout} s) ran out")}
                self._pending = []
                return
            timeout = max(1.0, min(self._configured_timeout, remaining))
            self._probed[grade_id] = run_sync(self._ask)(grade_id, timeout)
            self._pending.pop(0)
            if self._probed[grade_id].get("dead"):
                self._stopped = self._probed[grade_id]["failed"]
                return

    async def _silent(self, user_expressions, timeout):
        """Send a silent request whose code is empty: IPython evaluates the user expressions as
        they are (no input or AST transformers, no pre/post-run hooks, no history). Waits at
        most timeout seconds: ("reply", msg), ("dead", None) or ("timeout", msg_id)."""
        msg_id = self.kc.execute("", silent=True, store_history=False, allow_stdin=False,
                                 user_expressions=user_expressions)
        return await self._reply(msg_id, time.monotonic() + timeout)

    async def _reply(self, msg_id, deadline):
        from queue import Empty

        while time.monotonic() < deadline:
            try:
                msg = await self.kc.shell_channel.get_msg(timeout=0.5)
            except Empty:
                if not await self.kc.is_alive():
                    return "dead", None
                continue
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                return "reply", msg
        return "timeout", msg_id

    async def _ask(self, grade_id, timeout):
        """One exercise's probes, in one silent request; the data comes back in the reply."""
        call = (f"__import__('autograd_course.probing').probing.run("
                f"{self._lesson.probes_source!r}, {probe_function(grade_id)!r}, globals())")
        outcome, msg = await self._silent({"result": call}, timeout)
        interrupted = outcome == "timeout"
        if interrupted:  # interrupt, then give it 5 s to answer
            await self.km.interrupt_kernel()
            outcome, msg = await self._reply(msg, time.monotonic() + 5)
            if outcome == "timeout":
                try:
                    await self.km.shutdown_kernel(now=True)
                except Exception as e:  # already gone
                    self.log.debug("shutting the kernel down: %s", e)
                return {"failed": "the grader's checks of this exercise ran past the time "
                        f"limit ({timeout:.0f} s) and did not stop: is there an endless loop?",
                        "dead": True}
        if outcome == "dead":
            why = self.km.exit_description() if hasattr(self.km, "exit_description") else \
                "the kernel died"
            self.log.error("%s: %s: kernel died in the probes: %s", self._who, grade_id, why)
            return {"failed": "the kernel died while the grader checked this exercise",
                    "dead": True}
        content = msg.get("content", {})
        result = content.get("user_expressions", {}).get("result", {})
        if interrupted or result.get("ename") == "KeyboardInterrupt":
            return {"failed": "the grader's checks of this exercise ran past the time "
                    f"limit ({timeout:.0f} s): is there an endless loop?"}
        if content.get("status") != "ok" or result.get("status") != "ok":
            reason = str(result.get("ename") or content.get("ename"))[:100]
            self.log.info("%s: %s: the probes did not run: %s", self._who, grade_id, reason)
            return {"failed": "the grader could not check this exercise: its checks did not "
                    "run in your kernel", "reason": reason,
                    "detail": str(result.get("evalue", ""))[:300]}
        try:
            text = result["data"]["text/plain"]
            if len(text) > MAX_REPLY:
                raise ValueError("too much data")
            data = json.loads(ast.literal_eval(text))
            if not isinstance(data, dict) or not isinstance(data.get("probes"), list):
                raise ValueError("not probe data")
            return data
        except Exception as e:
            return {"failed": "the grader could not read what its checks of this exercise "
                    "returned", "reason": f"{type(e).__name__}"}

    # -- the reference, and preflight

    def reference(self, lesson, resources):
        """What the probes return on the solution (cached); refuses (JudgeError) unless the
        solution, graded as a submission, gets full marks."""
        key = lesson.key()
        cache = pathlib.Path(self.cache_dir) / f"{lesson.notebook_path.stem}-{key}.json"
        try:
            data = json.loads(cache.read_text(encoding="utf-8"))
            if data.get("key") == key:
                return data
        except (OSError, ValueError):
            pass
        if str(cache) in JudgeExecute._refused:  # once per lesson and process, not per student
            raise JudgeError(JudgeExecute._refused[str(cache)])
        try:
            data = self.compute_reference(lesson, resources)
        except JudgeError as e:
            JudgeExecute._refused[str(cache)] = str(e)
            raise
        cache.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(cache.parent, 0o700)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(dict(data, key=key)), encoding="utf-8")
        os.replace(tmp, cache)
        return data

    _refused = {}

    def compute_reference(self, lesson, resources):
        judge = type(self)(config=self.config, log=self.log)
        nb = _as_notebook(lesson.notebook)
        res = copy.deepcopy(resources)
        res["nbgrader"] = dict(res["nbgrader"], student="(solution)")
        run = judge.run_program(nb, res, lesson)
        problems = []
        for index, cell in enumerate(nb.cells):
            for out in cell.get("outputs", []) if not is_test(cell) else []:
                if out.get("output_type") == "error":
                    name = _nbgr(cell).get("grade_id")
                    problems.append(f"cell {index}{f' ({name})' if name else ''} raised "
                                    f"{out.get('ename')}: {str(out.get('evalue', ''))[:300]}")
        for exercise in lesson.exercises:
            data = run["exercises"][exercise.grade_id]
            where = f"{exercise.grade_id}'s probes"
            if "failed" in data:
                problems.append(f"{where}: {data['failed']} ({data.get('reason', '')}: "
                                f"{data.get('detail', '')})")
                continue
            if data.get("stopped"):
                problems.append(f"{where} stopped on the solution: {data['stopped']}")
            if not data["probes"]:
                problems.append(f"{where}: no probe ran")
            problems += probe_problems(where, data)
        if problems:
            raise JudgeError(self._refusal(lesson, problems))
        reference = {"exercises": run["exercises"]}
        # Preflight: the solution, graded as any submission, must get full marks (this also
        # catches probes whose values change from run to run, such as unseeded random inputs).
        again = judge.run_program(_as_notebook(lesson.notebook), res, lesson)
        wrong = []
        for exercise in lesson.exercises:
            verdict = judge_exercise(exercise, again["exercises"][exercise.grade_id],
                                     reference["exercises"][exercise.grade_id])
            if not verdict.passed:
                wrong.append(f"{exercise.grade_id}: {'; '.join(verdict.messages)}")
        if wrong:
            raise JudgeError(self._refusal(lesson, [
                "graded a second time, the solution does not get full marks (do the probes "
                "depend on unseeded random numbers?): " + " | ".join(wrong)]))
        return reference

    def _refusal(self, lesson, problems):
        return (f"Refusing to grade {lesson.notebook_path.stem}: the instructor's solution "
                f"({lesson.notebook_path}) does not get full marks through the grading "
                "pipeline, so every student would be graded wrong. What failed: "
                + "; ".join(problems)[:3000])


def probe_problems(where, data):
    """What is wrong with one exercise's probes, as they ran on the solution (``probing.run``'s
    data): a repeated key, a name the solution does not define, a probe that raised without
    ``expect_error=True`` (a typo in a probe would otherwise raise for every student too, and
    count as a match), or one with ``expect_error=True`` that did not raise."""
    problems = []
    keys = [k for k, _ in data["probes"]]
    if len(keys) != len(set(keys)):
        problems.append(f"{where}: two probes have the same key")
    for k, v in data["probes"]:
        raised = isinstance(v, dict) and "error" in v
        expected = data["specs"].get(k, {}).get("expect_error", False)
        if isinstance(v, dict) and "missing" in v:
            problems.append(f"{where}: probe {k!r}: {v['missing']!r} is not defined")
        elif raised and not expected:
            problems.append(f"{where}: probe {k!r} raised {v['error']} on the solution (if "
                            "it should, say so: probe(..., expect_error=True))")
        elif expected and not raised:
            problems.append(f"{where}: probe {k!r} has expect_error=True but did not raise "
                            "on the solution")
    return problems


def _as_notebook(data):
    import nbformat

    return nbformat.reads(json.dumps(data), as_version=4)


def _cell_problem(cell):
    """Why an answer cell did not finish (its error's name), or None."""
    if cell is None:
        return None
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            ename = str(out.get("ename", "an error"))[:80]
            if ename == "CellNotRun":
                return "your answer cell was not run: " + str(out.get("evalue", ""))[:300]
            if ename in ("CellTimeoutError", "KeyboardInterrupt"):
                return ("your answer cell ran past the time limit and was stopped: fix it, "
                        "then run it again")
            if ename == "KernelDied":
                return "the kernel died in your answer cell"
            return (f"your answer cell did not finish (it raised {ename}): fix it, then run it "
                    "again")
    return None


def _handed_in(folder):
    """Files handed in besides notebooks (never put where the kernel runs; listed for the
    instructor)."""
    extra = []
    folder = pathlib.Path(folder)
    if not folder.is_dir():
        return extra
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        if p.is_dir() or p.suffix == ".ipynb" or rel == "timestamp.txt" or \
                ".ipynb_checkpoints" in p.parts:
            continue
        extra.append(rel)
    return extra[:50]


def _copy_data_files(release, dest):
    """The lesson's data files (what is released besides the notebooks), into dest."""
    release = pathlib.Path(release)
    if not release.is_dir():
        return
    for p in release.rglob("*"):
        if p.is_file() and not p.is_symlink() and p.suffix != ".ipynb" and \
                ".ipynb_checkpoints" not in p.parts:
            target = pathlib.Path(dest) / p.relative_to(release)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, target)
