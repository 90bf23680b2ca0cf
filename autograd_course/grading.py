"""The instructor's commands: ``autograd-course grade`` (autograding on a Dask cluster) and
``export``.

``autograd-course grade LESSON`` autogrades every submission of a lesson
(``submitted/<student>/<lesson>/``) into the course's gradebook, with a progress bar and a
summary table (score, time, and every problem by name: time limits, dead kernels, cells not
run, restored test cells, submissions that could not be graded).

How it runs (docs/instructor.md says more):

1. The work goes to a Dask cluster (autograd_course/cluster.py): a local one by default
   (``--jobs N`` worker processes on this machine), or an existing one (``--scheduler
   tcp://HOST:8786``) whose workers may be on other machines. One task per submission.
2. A worker autogrades its student with nbgrader itself (its ``autograde`` app, with the
   course's ``nbgrader_config.py``: the same sandbox, time limits and restored cells as a plain
   ``nbgrader autograde``), in a scratch course folder of its own: a copy of the submission, a
   copy of the gradebook (a snapshot the client takes once), links to ``solutions/`` and
   ``course/``. The run happens in a process forked from one that has imported nbgrader
   already (``multiprocessing``'s forkserver), killed past ``--student-timeout``. The graded
   notebooks go back to the client; a worker never writes to the gradebook.
3. The client alone writes the gradebook, as results come in: it runs nbgrader's
   ``autograde`` once more over the graded notebooks, with nbgrader's own preprocessors that
   save the grades (``SaveAutoGrades``, ``AssignLatePenalties`` ...) but no execution, into a
   scratch gradebook; then it copies each student's grades into the real one in one
   transaction, and their notebooks into ``autograded/``. So the gradebook and
   ``autograded/`` end up as a plain ``nbgrader autograde`` leaves them, and a database that
   stops midway keeps whole submissions only (nbgrader alone commits cell by cell).
   A worker lost midway has its tasks run again elsewhere; each result is saved once.
4. A submission already graded (in ``autograded/`` and the gradebook, and not handed in again
   since) is skipped, as nbgrader skips it without ``--force``: a run stopped midway (Ctrl-C,
   a crash, the database gone) is finished by running the same command again.

The gradebook is nbgrader's ``db_url``: ``gradebook.db`` (SQLite) by default, or a server such
as PostgreSQL shared by several graders (autograd_course/gradebooks.py).
"""

import argparse
import contextlib
import csv
import hashlib
import io
import json
import multiprocessing
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

from autograd_course import cluster
from autograd_course.gradebooks import (
    GradebookUnreachable,
    check_reachable,
    copy_submission,
    create_students,
    shown,
    snapshot,
)

GRADER_ERRORS = {
    "CellTimeoutError": "ran past the time limit",
    "KernelDied": "the kernel died",
    "StdinNotImplementedError": "asked for input()",
}
TRUNCATED = "[output truncated by the grader"
LOG_DIR = "grading-logs"
SAVE_EVERY, SAVE_AFTER = 10, 30  # results saved into the gradebook at a time, at most; seconds
_SAFE = re.compile(r"[^A-Za-z0-9_.@+-]")

EXAMPLES = """\
examples:
  autograd-course grade 01_why_autodiff              what is not graded yet, one worker per CPU
  autograd-course grade 01 --jobs 4 --timeout 60     4 local workers, 60 s per cell
  autograd-course grade 01 --scheduler tcp://h:8786  on a Dask cluster (workers anywhere)
  autograd-course grade 01 --student alice bob       only these students
  autograd-course grade 01 --force                   grade again what is graded already
  autograd-course grade 01 --set Sandbox.memory=4G   an option of nbgrader_config.py
  autograd-course export --to grades.csv             one row per student, a column per lesson
"""


class GradingError(Exception):
    """A problem with the course or the command line (exit status 2)."""


GONE = ("--shard, --results and --merge are gone: to grade on several machines, start Dask "
        "workers there and grade through their scheduler, `autograd-course grade LESSON "
        "--scheduler tcp://HOST:8786` (docs/instructor.md, \"Grading on many machines\")")


# -- the course ---------------------------------------------------------------------------------


class Course:
    """The course folder (where nbgrader_config.py is) and nbgrader's configuration there."""

    def __init__(self, root=None):
        start = pathlib.Path(root or os.getcwd()).resolve()
        for d in [start, *start.parents]:
            if (d / "nbgrader_config.py").is_file():
                self.config_dir = d
                break
        else:
            raise GradingError(
                f"no nbgrader_config.py in {start} or above: run this in the course's folder"
            )
        from nbgrader.apps.baseapp import NbGrader
        from nbgrader.coursedir import CourseDirectory

        with _chdir(self.config_dir):
            app = NbGrader()
            app.log.setLevel("ERROR")
            app.load_config_file()
            self.config = app.config
            self.coursedir = CourseDirectory(config=self.config)
        self.root = pathlib.Path(self.coursedir.root).resolve()

    def folder(self, step):
        return self.root / getattr(self.coursedir, f"{step}_directory")

    @property
    def db_url(self):
        return self.coursedir.db_url

    def gradebook(self):
        from nbgrader.api import Gradebook

        return Gradebook(self.db_url, course_id=self.coursedir.course_id)

    def lessons(self):
        source = self.folder("source")
        if not source.is_dir():
            return []
        return sorted(p.name for p in source.iterdir() if p.is_dir())

    def resolve_lesson(self, name):
        lessons = self.lessons()
        if name in lessons:
            return name
        from autograd_course import i18n

        matches = i18n.match_lessons(name, lessons)
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise GradingError(f"'{name}' matches several lessons: {', '.join(matches)}")
        raise GradingError(f"no lesson '{name}' in {self.folder('source')}")

    def students(self, lesson, only=None):
        submitted = self.folder("submitted")
        found = sorted(p.parent.name for p in submitted.glob(f"*/{lesson}") if p.is_dir()) \
            if submitted.is_dir() else []
        if only:
            missing = sorted(set(only) - set(found))
            if missing:
                raise GradingError(
                    f"no submission of {lesson} for: {', '.join(missing)} (looked in "
                    f"{submitted}/<student>/{lesson})"
                )
            found = [s for s in found if s in set(only)]
        return found

    def time_limit(self, extra_args=()):
        from nbgrader.preprocessors import Execute

        limit = Execute(config=self.config).timeout
        for arg in extra_args:
            if arg.startswith("--Execute.timeout="):
                limit = int(arg.split("=", 1)[1])
        return limit


@contextlib.contextmanager
def _chdir(path):
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def snapshot_gradebook(course, lesson, dest):
    """A consistent copy of the gradebook in the SQLite file dest, checked to know the lesson."""
    if course.db_url.startswith("sqlite:///") and not os.path.exists(
            course.db_url[len("sqlite:///"):]):
        raise GradingError(
            f"no gradebook at {course.db_url[len('sqlite:///'):]}: run `nbgrader "
            f"generate_assignment {lesson}` first"
        )
    from nbgrader.api import Gradebook, MissingEntry

    snapshot(course.db_url, dest)
    with Gradebook(f"sqlite:///{dest}", course_id=course.coursedir.course_id) as gb:
        try:
            assignment = gb.find_assignment(lesson)
        except MissingEntry:
            assignment = None
        if assignment is None or not assignment.notebooks:
            raise GradingError(
                f"the gradebook does not know {lesson}'s notebooks: run `nbgrader "
                f"generate_assignment {lesson}` first"
            )


def preflight_sandbox(course, extra_args):
    """Refuse at once, with the reason, where the grading kernels cannot be sandboxed."""
    from autograd_course.sandbox import Sandbox, SandboxUnavailable

    try:
        config = _config_with(course, extra_args)  # --Sandbox.mode=none and the like
        with _chdir(course.root):
            return Sandbox(config=config).resolve()
    except SandboxUnavailable as e:
        raise GradingError(str(e)) from None
    except Exception as e:  # a bad --Sandbox option
        raise GradingError(f"the sandbox's configuration: {e}") from None


def _config_with(course, extra_args):
    """The course's configuration with --Class.option=value arguments applied."""
    from traitlets.config import Config
    from traitlets.config.loader import KVArgParseConfigLoader

    config = Config(course.config)
    options = [a for a in extra_args if re.match(r"--\w+\.\w+=", a)]
    if options:
        config.merge(KVArgParseConfigLoader(argv=options).load_config())
    config.CourseDirectory.root = str(course.root)
    return config


def preflight_judge(course, lesson, extra_args):
    """Grade the instructor's solution through the judge once, before any student (this also
    computes and caches the references that every worker then reads): refuse, saying what
    failed, unless it gets full marks. Returns the folder of the cached references."""
    from autograd_course.judge import JudgeError, JudgeExecute

    config = _config_with(course, extra_args)
    with _chdir(course.root):
        judge = JudgeExecute(config=config)
        judge.log.setLevel("WARNING")
        source = course.folder("source") / lesson
        for notebook in sorted(source.glob("*.ipynb")):
            resources = {"nbgrader": {"assignment": lesson, "notebook": notebook.stem,
                                      "student": "(solution)"},
                         "metadata": {"path": str(source)}}
            try:
                judge.reference(judge.lesson(lesson, notebook.stem), resources)
            except JudgeError as e:
                raise GradingError(str(e)) from None
            except Exception as e:  # the sandbox, a kernel that does not start ...
                raise GradingError(
                    f"Refusing to grade {lesson}: grading the instructor's solution failed "
                    f"({type(e).__name__}: {e})") from None
        return judge.cache_dir


def judge_report(notebook_path):
    """The judge's report in a graded notebook: {"suspicious": [...], "handed_in": [...], ...}."""
    try:
        with open(notebook_path, encoding="utf-8") as f:
            return json.load(f).get("metadata", {}).get("autograd_course", {}).get("judge", {})
    except (OSError, ValueError):
        return {}


def review_notes(report):
    """What an instructor should look at in a judge's report, as short phrases."""
    notes = []
    if report.get("suspicious"):
        notes.append("suspicious code: " + "; ".join(report["suspicious"]))
    if report.get("handed_in"):
        notes.append("handed in besides the notebook (not used): "
                     + ", ".join(report["handed_in"]))
    return notes


# -- one student, in a scratch course folder --------------------------------------------------


class Result:
    """What grading one student gave."""

    def __init__(self, student):
        self.student = student
        self.status = "pending"  # graded | failed | timed out
        self.seconds = 0.0
        self.score = self.max_score = None
        self.problems = []
        self.review = []  # for the instructor to look at: suspicious code, extra files
        self.log = None

    def to_json(self):
        return {k: getattr(self, k) for k in
                ("student", "status", "seconds", "score", "max_score", "problems", "review",
                 "log")}

    @classmethod
    def from_json(cls, data):
        r = cls(data["student"])
        for k, v in data.items():
            setattr(r, k, v)
        return r


def _autograde_child(cwd, argv, log_path):
    """A forked process: run `nbgrader <argv>` in cwd, everything it prints into log_path."""
    from autograd_course.kernel_launcher import die_with_parent

    die_with_parent()  # a worker killed, its forkserver ends: so does this grading, at once
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    sys.stdout = io.TextIOWrapper(open(1, "wb", closefd=False), line_buffering=True)
    sys.stderr = io.TextIOWrapper(open(2, "wb", closefd=False), line_buffering=True)
    os.chdir(cwd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; Ctrl-C kills us from there
    from nbgrader.apps.nbgraderapp import NbGraderApp

    NbGraderApp.launch_instance(argv=argv)


_FORKSERVER = None
_FORKSERVER_LOCK = threading.Lock()


def _context():
    """multiprocessing's forkserver, its server process having imported nbgrader and what a
    grading loads besides (autograd_course/grading_preload.py) once."""
    global _FORKSERVER
    with _FORKSERVER_LOCK:
        if _FORKSERVER is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["autograd_course.grading", "autograd_course.sandbox",
                                        "autograd_course.cli", "nbgrader.apps.nbgraderapp",
                                        "autograd_course.grading_preload"])
            _FORKSERVER = ctx
        return _FORKSERVER


def _copy_submission(src, dest):
    """Copy a submission's regular files only (a symbolic link could make the grader copy, and
    the kernel then read, any file of the instructor's)."""
    skipped = []
    for dirpath, dirnames, filenames in os.walk(src):
        rel = os.path.relpath(dirpath, src)
        os.makedirs(os.path.join(dest, rel), exist_ok=True)
        for name in list(dirnames):
            if os.path.islink(os.path.join(dirpath, name)):
                dirnames.remove(name)
                skipped.append(os.path.join(rel, name))
        for name in filenames:
            path = os.path.join(dirpath, name)
            if os.path.islink(path) or not os.path.isfile(path):
                skipped.append(os.path.join(rel, name))
                continue
            shutil.copyfile(path, os.path.join(dest, rel, name))
    return skipped


def notebook_problems(path):
    """The grader's notes in an executed notebook: time limits, a dead kernel, cells not run,
    input(), truncated output; as short phrases."""
    try:
        with open(path, encoding="utf-8") as f:
            nb = json.load(f)
    except (OSError, ValueError) as e:
        return [f"the graded notebook cannot be read: {e}"]
    problems, not_run, not_run_tests = [], 0, []
    for index, cell in enumerate(nb.get("cells", [])):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        where = f"cell {index}" + (f" ({meta['grade_id']})" if meta.get("grade_id") else "")
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                ename = out.get("ename")
                if ename == "CellNotRun":
                    not_run += 1
                    if meta.get("grade"):
                        not_run_tests.append(meta.get("grade_id", "?"))
                elif ename == "KernelDied":
                    problems.append(f"kernel died in {where}: {out.get('evalue', '')[:160]}")
                elif ename in GRADER_ERRORS:
                    problems.append(f"{where} {GRADER_ERRORS[ename]}")
                elif ename == "ExerciseFailed":  # the judge's verdict: name the grader's limits
                    for line in str(out.get("evalue", "")).splitlines():
                        if "time limit" in line or "kernel died" in line:
                            problems.append(f"{where}: {line.lstrip('- ')[:160]}")
            elif out.get("output_type") == "stream" and TRUNCATED in "".join(out.get("text", "")):
                problems.append(f"{where}: output truncated")
    if not_run:
        problems.append(f"{not_run} cells not run" + (
            f" (tests {', '.join(not_run_tests)} score 0)" if not_run_tests else ""))
    return list(dict.fromkeys(problems))


def log_problems(text):
    """Problems nbgrader names in its log: restored cells, and why a notebook failed."""
    problems = []
    for line in text.splitlines():
        m = re.search(r"Missing grade cell (\S+) encountered", line)
        if m:
            problems.append(f"test cell {m.group(1)} was missing: restored")
        m = re.search(r"Refusing to grade: [^.]*", line)
        if m:
            problems.append(m.group(0))
    return list(dict.fromkeys(problems))


def _last_error(text):
    """The most telling line of a failed nbgrader run's log."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in reversed(lines):
        if re.match(r"^[A-Za-z_.]*(Error|Exception|Unavailable)\b.*:", ln) and \
                "NbGraderException" not in ln:
            return ln[:240]
    for ln in reversed(lines):
        if "ERROR" in ln and "There was an error processing" not in ln and \
                "Please see the" not in ln:
            return ln[:240]
    return lines[-1][:240] if lines else "no output"


def _run_autograde(course, argv, log_path, timeout):
    """Run `nbgrader <argv>` in a process of its own: forked from the forkserver (fast), or, in
    a daemonic process (a Dask worker started without DASK_DISTRIBUTED__WORKER__DAEMON=False),
    started afresh (nbgrader's import then costs a few seconds). Returns its exit status, or
    None if it ran past timeout seconds and was killed."""
    if not multiprocessing.current_process().daemon:
        process = _context().Process(target=_autograde_child,
                                     args=(str(course.config_dir), argv, str(log_path)))
        process.start()
        process.join(timeout)
        if process.is_alive():
            process.kill()
            process.join()
            return None
        return process.exitcode
    code = ("import json, sys; from autograd_course.grading import _autograde_child; "
            "_autograde_child(*json.loads(sys.argv[1]))")
    process = subprocess.Popen(
        [sys.executable, "-c", code, json.dumps([str(course.config_dir), argv, str(log_path)])],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None


def _fingerprint(paths, *extra):
    h = hashlib.sha256()
    for item in extra:
        h.update(str(item).encode())
    for p in sorted(paths):
        h.update(str(p.name).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def code_version():
    """A fingerprint of the grading code (this package's modules and nbgrader's version):
    the client's and every worker's must match."""
    import nbgrader

    return _fingerprint(pathlib.Path(__file__).parent.glob("*.py"), nbgrader.__version__)


def lesson_version(course, lesson):
    """A fingerprint of a lesson's source folder (solution notebooks, probes)."""
    from autograd_course import i18n

    folder = course.folder("source") / lesson
    paths = [p for p in folder.rglob("*") if p.is_file() and not any(
        part in ("__pycache__", ".ipynb_checkpoints") for part in p.parts)]
    english, tag = i18n.edition(lesson)
    if tag is not None:  # a translated edition is graded with the English lesson's probes
        paths.append(course.folder("source") / english / "probes.py")
        paths.append(course.folder("source").resolve().parent / "i18n" / i18n.LOCALES[tag]
                     / f"{english}.po")
    return _fingerprint([p for p in paths if p.is_file()])


_COURSES = {}


def _worker_course(root):
    """The course as this worker sees it: at $AUTOGRAD_COURSE_ROOT if set (a checkout of the
    course at another path on this machine), else at the client's path."""
    root = os.environ.get("AUTOGRAD_COURSE_ROOT") or root
    if root not in _COURSES:
        _COURSES[root] = Course(root)
    return _COURSES[root]


def grade_task(spec, template):
    """The Dask task, on a worker: autograde one student in a scratch course folder of its own.

    spec: {"root", "lesson", "student", "extra", "student_timeout", "code", "lesson_version"}
    (the client's course folder, nbgrader options, the fingerprints the worker must match);
    template: the gradebook's snapshot (a SQLite file's bytes). Reads the submission from the
    course's submitted/ folder. Returns {"result": a Result as JSON, "notebooks": {file name:
    graded notebook's bytes}, "log": nbgrader's log}; a failure is in the result, not raised."""
    result = Result(spec["student"])
    started = time.monotonic()
    work = pathlib.Path(tempfile.mkdtemp(prefix="agc-grade-"))
    kernels = tempfile.mkdtemp(prefix="agc-k-")  # the kernels' sockets: removed with the rest
    os.chmod(kernels, 0o711)  # a root grader's kernels run as other users, and must reach it
    notebooks, log = {}, ""
    try:
        notebooks = _grade(spec, template, result, work, kernels)
    except Exception as e:  # a failure here must not stop the other students
        result.status = "failed"
        result.problems.append(f"could not be graded: {type(e).__name__}: {e}"
                               if not isinstance(e, GradingError) else f"not graded: {e}")
    finally:
        result.seconds = round(time.monotonic() - started, 2)
        result.problems = list(dict.fromkeys(result.problems))
        if (work / "autograde.log").exists():
            log = (work / "autograde.log").read_text(errors="replace")
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(kernels, ignore_errors=True)
    return {"result": result.to_json(), "notebooks": notebooks, "log": log}


def _grade(spec, template, result, work, kernels):
    """grade_task's work: fills in result, returns the graded notebooks ({} if none)."""
    lesson, student = spec["lesson"], spec["student"]
    scratch, log_path = work / "course", work / "autograde.log"
    course = _worker_course(spec["root"])
    where = f"worker {cluster.worker_name()} (course at {course.root})"
    if code_version() != spec["code"]:
        raise GradingError(f"{where} runs another version of autograd_course or nbgrader "
                           "than the grader: install the same on every worker")
    if lesson_version(course, lesson) != spec["lesson_version"]:
        raise GradingError(f"{where} has another version of solutions/{lesson} than the "
                           "grader: update the course's checkout there")
    for step in ("source", "release"):
        link = scratch / getattr(course.coursedir, f"{step}_directory")
        if course.folder(step).exists():
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(course.folder(step), target_is_directory=True)
    submission = scratch / course.coursedir.submitted_directory / student / lesson
    skipped = _copy_submission(course.folder("submitted") / student / lesson, submission)
    if skipped:
        result.problems.append("not graded (links or special files): " + ", ".join(skipped))
    db = scratch / "gradebook.db"
    db.write_bytes(template)
    extra = list(spec["extra"])
    if not any(a.startswith("--JudgeExecute.cache_dir=") for a in extra):  # else: as given
        extra.append(f"--JudgeExecute.cache_dir={judge_cache_dir(course, extra)}")
    argv = ["autograde", lesson, f"--student={student}", "--force",
            f"--CourseDirectory.root={scratch}", f"--CourseDirectory.db_url=sqlite:///{db}",
            f"--Sandbox.scratch_root={kernels}", "--Autograde.create_student=True", *extra]
    timeout = spec["student_timeout"]
    code = _run_autograde(course, argv, log_path, timeout)
    if code is None:
        result.status = "timed out"
        result.problems.append(f"grading took more than {timeout} s and was stopped")
        return {}
    log = log_path.read_text(errors="replace") if log_path.exists() else ""
    graded = scratch / course.coursedir.autograded_directory / student / lesson
    found = sorted(graded.glob("*.ipynb")) if graded.is_dir() else []
    result.problems += log_problems(log)
    if code != 0 or not found:
        result.status = "failed"
        result.problems.append("could not be graded: " + _last_error(log))
        return {}
    for nb in found:
        result.problems += notebook_problems(nb)
        result.review += review_notes(judge_report(nb))
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{db}", course_id=course.coursedir.course_id) as gb:
        submission_row = gb.find_submission(lesson, student)
        result.score, result.max_score = submission_row.score, submission_row.max_score
    result.status = "graded"
    return {nb.name: nb.read_bytes() for nb in found}


def judge_cache_dir(course, extra_args):
    """Where the judge keeps the references (computed once per lesson, then read)."""
    from autograd_course.judge import JudgeExecute

    with _chdir(course.root):
        return JudgeExecute(config=_config_with(course, extra_args)).cache_dir


# -- merging into the real gradebook ----------------------------------------------------------

def merge_preprocessors(config):
    """The course's autograde steps (nbgrader_config.py, else nbgrader's defaults) without the
    one that executes the notebook: the notebooks to merge have been run already."""
    from nbgrader.converters import Autograde

    if "autograde_preprocessors" in config.Autograde:
        steps = config.Autograde.autograde_preprocessors
    else:
        steps = Autograde.class_traits()["autograde_preprocessors"].default()
    return [s for s in steps if not _name_of(s).endswith("Execute")]


def _name_of(step):
    return step.rsplit(".", 1)[-1] if isinstance(step, str) else step.__name__


def merge_results(course, lesson, folder, scratch_db, log):
    """Run nbgrader's own autograde, minus the execution, over the executed notebooks in
    folder/submitted/<student>/<lesson>/: it saves their grades into the scratch gradebook
    scratch_db (a SQLite file) and writes the notebooks into folder/autograded/. Returns the
    students it graded; nbgrader's log goes to log (a file object). The course's gradebook is
    not touched: copy_submission copies a student's grades into it in one transaction."""
    folder = pathlib.Path(folder).resolve()
    submitted, autograded = folder / "submitted", folder / "autograded"
    students = sorted(p.parent.name for p in submitted.glob(f"*/{lesson}") if p.is_dir())
    if not students:
        return []
    from nbgrader.converters import Autograde
    from nbgrader.converters.base import NbGraderException
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    config = Config(course.config)
    config.CourseDirectory.submitted_directory = str(submitted)
    config.CourseDirectory.autograded_directory = str(autograded)
    config.CourseDirectory.db_url = f"sqlite:///{scratch_db}"
    config.CourseDirectory.assignment_id = lesson
    config.CourseDirectory.student_id = "*"
    config.Autograde.sanitize_preprocessors = []  # the notebooks are graded already
    config.Autograde.autograde_preprocessors = merge_preprocessors(config)
    config.Autograde.create_student = True
    config.BaseConverter.force = True
    import logging

    logger = logging.getLogger("autograd_course.merge")
    logger.handlers = [logging.StreamHandler(log)]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    import warnings

    with _chdir(course.root), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLAlchemy's noise, as in every nbgrader autograde
        coursedir = CourseDirectory(config=config, log=logger)
        converter = Autograde(coursedir=coursedir, config=config, log=logger)
        try:
            converter.start()
        except NbGraderException as e:
            log.write(f"merge: {e}\n")
    # Graded: those whose notebooks nbgrader wrote (it removes the notebooks of a student it
    # fails on).
    graded = []
    for student in students:
        names = [p.name for p in (submitted / student / lesson).glob("*.ipynb")]
        if names and all((autograded / student / lesson / n).is_file() for n in names):
            graded.append(student)
    return graded


# -- the command ------------------------------------------------------------------------------


class Progress:
    """A one-line progress bar on a terminal, a line per student elsewhere."""

    def __init__(self, total, out=sys.stderr):
        self.total, self.out = total, out
        self.done = self.failed = 0
        self.started = time.monotonic()
        self.tty = out.isatty()

    def update(self, result=None):
        if result is not None:
            self.done += 1
            self.failed += result.status != "graded"
        elapsed = time.monotonic() - self.started
        if not self.tty:
            if result is not None:
                score = (f"{result.score:g}/{result.max_score:g}" if result.score is not None
                         else result.status)
                print(f"[{self.done}/{self.total}] {result.student}: {score} "
                      f"({result.seconds:.1f} s)", file=self.out, flush=True)
            return
        width = 30
        filled = int(width * self.done / max(1, self.total))
        eta = ""
        if self.done:
            eta = f", ~{_duration(elapsed / self.done * (self.total - self.done))} left"
        line = (f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} graded"
                f"{f', {self.failed} failed' if self.failed else ''}, {_duration(elapsed)}{eta}")
        self.out.write(line.ljust(79))
        self.out.flush()

    def finish(self):
        if self.tty:
            self.out.write("\n")
            self.out.flush()


def _duration(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def summary_table(results, lesson, elapsed, workers):
    """The summary: a row per student (score, time, problems), then totals. workers: of the
    local cluster (None: a cluster of its own)."""
    rows = [("student", "score", "time", "problems")]
    for r in sorted(results, key=lambda r: r.student):
        score = (f"{r.score:g}/{r.max_score:g}" if r.score is not None else r.status.upper())
        notes = r.problems + [f"REVIEW {n}" for n in getattr(r, "review", [])]
        rows.append((r.student, score, f"{r.seconds:.1f}s", "; ".join(notes) or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = []
    for i, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[j]) for j, cell in enumerate(row[:3]))
                     + "  " + row[3])
        if i == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 8)
    graded = [r for r in results if r.status == "graded"]
    failed = [r for r in results if r.status != "graded"]
    with_problems = [r for r in graded if r.problems]
    to_review = [r.student for r in results if getattr(r, "review", [])]
    lines.append("")
    total = sum(r.seconds for r in results)
    on = ("on the cluster" if workers is None else
          f"with {workers} worker{'s' if workers != 1 else ''}")
    how = (f"graded in {_duration(elapsed)} {on} "
           f"({total / max(1, len(results)):.1f} s per student, "
           f"{elapsed / max(1, len(results)):.2f} s wall per student)")
    lines.append(
        f"{lesson}: {len(graded)} of {len(results)} {how}"
        + (f"; {len(with_problems)} with problems" if with_problems else "")
        + (f"; {len(to_review)} to review (REVIEW: suspicious code or extra files): "
           f"{', '.join(to_review)}" if to_review else "")
        + (f"; {len(failed)} NOT graded: {', '.join(r.student for r in failed)}"
           if failed else "")
    )
    if graded:
        scores = [r.score for r in graded if r.score is not None]
        if scores:
            lines.append(f"scores: mean {sum(scores) / len(scores):.2f}, min {min(scores):g}, "
                         f"max {max(scores):g} (of {graded[0].max_score:g})")
    return "\n".join(lines)


def record_ungraded(course, lesson, results):
    """Put the submissions that could not be graded in the gradebook, as nbgrader autograde
    does (their grades stay empty, so the formgrader lists them as needing manual grading)."""
    failed = [r for r in results if r.status != "graded"]
    if not failed:
        return
    import warnings

    with course.gradebook() as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for r in failed:
            folder = course.folder("submitted") / r.student / lesson
            timestamp = course.coursedir.get_existing_timestamp(str(folder))
            gb.update_or_create_student(r.student)
            if timestamp:
                gb.update_or_create_submission(lesson, r.student, timestamp=timestamp)
            else:
                gb.update_or_create_submission(lesson, r.student)


def _final_scores(course, lesson, results):
    """Scores as the real gradebook has them now (late penalties included)."""
    from nbgrader.api import MissingEntry

    with course.gradebook() as gb:
        for r in results:
            if r.status != "graded":
                continue
            try:
                s = gb.find_submission(lesson, r.student)
            except MissingEntry:
                r.problems.append("not in the gradebook after merging")
                continue
            r.score, r.max_score = s.score, s.max_score


def graded_already(course, lesson, students):
    """The students whose submission is graded already: in the gradebook, every notebook of
    the lesson in autograded/, and not handed in again since (nbgrader's rule, without
    --force)."""
    with course.gradebook() as gb:
        in_gradebook = {s.student_id for s in gb.assignment_submissions(lesson)}
    names = [p.name for p in (course.folder("source") / lesson).glob("*.ipynb")]
    done = set()
    for student in students:
        graded = course.folder("autograded") / student / lesson
        if student not in in_gradebook or not all((graded / n).is_file() for n in names):
            continue
        new = course.coursedir.get_existing_timestamp(
            str(course.folder("submitted") / student / lesson))
        old = course.coursedir.get_existing_timestamp(str(graded))
        if not (new is not None and old is not None and new > old):
            done.add(student)
    return done


def _options(args):
    """nbgrader options from --set and --timeout, checked."""
    extra = []
    for option in args.nbgrader_args or []:
        if not re.fullmatch(r"-*[A-Za-z_]\w*\.\w+=.*", option, flags=re.S):
            raise GradingError(f"--set {option}: expected CLASS.OPTION=VALUE, such as "
                               "Sandbox.memory=4G")
        extra.append("--" + option.lstrip("-"))
    if args.timeout is not None:
        extra.append(f"--Execute.timeout={args.timeout}")
    return extra


def cmd_grade(args):
    if args.shard or args.merge or args.results:
        raise GradingError(GONE)
    course = Course()
    lesson = course.resolve_lesson(args.lesson)
    extra = _options(args)
    address = cluster.scheduler_address(args.scheduler)
    if address and args.jobs:
        raise GradingError("--jobs is the number of workers of a local cluster; with "
                           f"--scheduler ({address}) the cluster's own workers grade")
    log_dir = course.root / LOG_DIR / lesson
    log_dir.mkdir(parents=True, exist_ok=True)
    students = course.students(lesson, args.student)
    if not students:
        print(f"No submissions of {lesson} in {course.folder('submitted')}/<student>/{lesson}/",
              file=sys.stderr)
        return 1
    check_reachable(course.db_url)
    done = set() if args.force else graded_already(course, lesson, students)
    todo = [s for s in students if s not in done]
    if done:
        print(f"{len(done)} of {len(students)} submissions of {lesson} are graded already "
              "(in the gradebook and autograded/): skipped (--force grades them again)",
              file=sys.stderr)
    if not todo:
        print(f"Nothing to grade: every submission of {lesson} is graded.", file=sys.stderr)
        return 0
    mode = preflight_sandbox(course, extra)
    print(f"Preflight: grading the solution of {lesson} through the judge ...", file=sys.stderr,
          flush=True)
    preflight_judge(course, lesson, extra)
    limit = course.time_limit(extra)
    student_timeout = args.student_timeout or (_code_cells(course, lesson) * limit + 120)
    jobs = min(max(1, args.jobs or os.cpu_count() or 1), len(todo))

    work = pathlib.Path(tempfile.mkdtemp(prefix="agc-run-"))
    template = work / "gradebook-template.db"
    snapshot_gradebook(course, lesson, template)
    scratch_db = work / "gradebook-scratch.db"  # merge_results grades into it
    shutil.copyfile(template, scratch_db)
    spec = {"root": str(course.root), "lesson": lesson, "extra": extra,
            "student_timeout": student_timeout, "code": code_version(),
            "lesson_version": lesson_version(course, lesson)}
    run = uuid.uuid4().hex[:8]
    results, interrupted, lost = [], False, None
    started = time.monotonic()
    try:
        with cluster.connect(address, jobs) as client, \
                open(log_dir / "merge.log", "a", encoding="utf-8") as merge_log:
            workers = cluster.workers_now(client)
            print(f"Grading {len(todo)} submission{'s' * (len(todo) != 1)} of {lesson} (sandbox: "
                  f"{mode}; {limit} s per cell, {student_timeout} s per student; gradebook: "
                  f"{shown(course.db_url)})", file=sys.stderr, flush=True)
            if not workers:
                print("The cluster has no workers yet: grading starts when one joins.",
                      file=sys.stderr, flush=True)
            template_data = client.scatter(template.read_bytes(), broadcast=True)
            futures = {client.submit(grade_task, dict(spec, student=s), template_data,
                                     key=cluster.task_key(lesson, s, run), pure=False): s
                       for s in todo}
            progress = Progress(len(todo))
            progress.update()
            # Saved in batches (each an nbgrader run, which costs a second or so to start): of
            # a tenth of the submissions, up to SAVE_EVERY, or what came in SAVE_AFTER seconds.
            batch, last, every = [], time.monotonic(), max(1, min(SAVE_EVERY, len(todo) // 10))
            try:
                for finished in cluster.finished(futures):  # all that finished meanwhile
                    for future, value in finished:
                        batch.append(_received(futures[future], value))
                        progress.update(batch[-1][0])
                    if len(batch) >= every or len(results) + len(batch) == len(todo) or \
                            time.monotonic() - last > SAVE_AFTER:
                        results += _save(course, lesson, batch, work / f"batch-{len(results)}",
                                         scratch_db, log_dir, merge_log)
                        batch, last = [], time.monotonic()
            except KeyboardInterrupt:
                interrupted = True
                results += _save(course, lesson, batch, work / "last", scratch_db, log_dir,
                                 merge_log)
                print("\nInterrupted: what is graded is saved; run the same command again to "
                      "grade the rest.", file=sys.stderr)
            except GradebookUnreachable as e:
                lost = e
            finally:
                progress.finish()
                client.cancel(list(futures))
        if lost is None:
            record_ungraded(course, lesson, results)
            _final_scores(course, lesson, results)
    except GradebookUnreachable as e:
        lost = e
    except OSError as e:
        raise GradingError(str(e)) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    elapsed = time.monotonic() - started
    table = summary_table(results, lesson, elapsed, None if address else jobs)
    (log_dir / "summary.txt").write_text(table + "\n", encoding="utf-8")
    print(table)
    print(f"\nLogs: {_display(log_dir)}/<student>.log; this table: "
          f"{_display(log_dir)}/summary.txt")
    if lost is not None:
        print(f"\nautograd-course: stopped: {lost}", file=sys.stderr)
        return 3
    if interrupted or len(results) < len(todo):
        return 1
    return 0 if all(r.status == "graded" for r in results) else 1


def _received(student, value):
    """(Result, {notebook: bytes}, log) from what a task returned (or the error it ended
    with: KilledWorker when the workers that took it kept dying)."""
    if isinstance(value, Exception):
        r = Result(student)
        r.status = "failed"
        r.problems.append(f"could not be graded: the cluster gave up on it ({type(value).__name__}"
                          f": {str(value)[:200]})")
        return r, {}, ""
    return Result.from_json(value["result"]), value["notebooks"], value["log"]


def _save(course, lesson, batch, folder, scratch_db, log_dir, merge_log):
    """Save a batch of results: each log in grading-logs/<lesson>/, the graded notebooks into
    the gradebook and autograded/, a student at a time, each in one transaction; a line per
    student saved in grading-logs/<lesson>/saved.log. Returns the batch's Results; raises
    GradebookUnreachable if the database is gone (what was saved before stays, whole)."""
    results = []
    for r, notebooks, log in batch:
        kept = log_dir / f"{_SAFE.sub('_', r.student)}.log"
        kept.write_text(log, encoding="utf-8")
        r.log = str(kept)
        if r.status == "graded":
            dest = folder / "submitted" / r.student / lesson
            dest.mkdir(parents=True)
            for name, data in notebooks.items():
                (dest / name).write_bytes(data)
            timestamp = course.folder("submitted") / r.student / lesson / "timestamp.txt"
            if timestamp.is_file():
                shutil.copyfile(timestamp, dest / "timestamp.txt")
        results.append(r)
    graded = [r for r in results if r.status == "graded"]
    if not graded:
        return results
    with _logged_into(merge_log, "tornado.application"), \
            open(log_dir / "saved.log", "a", encoding="utf-8") as saved:
        merged = _merge_batch(course, lesson, graded, folder, scratch_db, merge_log, saved)
    shutil.rmtree(folder, ignore_errors=True)
    for r in graded:
        if r.student not in merged:
            r.status = "failed"
            r.problems.append(f"not saved into the gradebook (see {log_dir}/merge.log)")
    return results


@contextlib.contextmanager
def _logged_into(file, name):
    """Send the logger name's records (with their tracebacks) into file for the block.
    nbgrader's Gradebook reports a database error with tornado's app_log.exception before it
    raises; with no handler set, Python prints that traceback on the terminal, beside our
    one-line "cannot be reached" message (seen when PostgreSQL stopped during a commit)."""
    import logging

    logger = logging.getLogger(name)
    kept = logger.handlers, logger.propagate
    logger.handlers, logger.propagate = [logging.StreamHandler(file)], False
    try:
        yield
    finally:
        logger.handlers, logger.propagate = kept


def _merge_batch(course, lesson, graded, folder, scratch_db, merge_log, saved):
    """The students of graded saved into the gradebook and autograded/: nbgrader grades the
    batch into the scratch gradebook (merge_results), then each student's grades are copied
    into the real one in a transaction of its own (copy_submission) and their notebooks moved
    into autograded/. A database gone midway leaves whole submissions only."""
    try:
        with course.gradebook() as gb:
            create_students(gb, [r.student for r in graded])
    except Exception:
        check_reachable(course.db_url)  # the database gone: say so; else nbgrader will
    done = set()
    merged = merge_results(course, lesson, folder, scratch_db, merge_log)
    if not merged:
        return done
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{scratch_db}", course_id=course.coursedir.course_id) as source, \
            _opened(course) as gb:
        for student in merged:
            try:
                copy_submission(source, gb, lesson, student)
            except Exception as e:
                check_reachable(course.db_url)
                merge_log.write(f"merge: {student}: {type(e).__name__}: {e}\n")
                continue
            dest = course.folder("autograded") / student / lesson
            shutil.rmtree(dest, ignore_errors=True)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(folder / "autograded" / student / lesson, dest)
            saved.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {student}\n")
            saved.flush()
            done.add(student)
    return done


@contextlib.contextmanager
def _opened(course):
    """The course's gradebook, open; GradebookUnreachable if its database is gone."""
    try:
        gb = course.gradebook()
    except Exception:
        check_reachable(course.db_url)
        raise
    with gb:
        yield gb


def _display(path):
    try:
        return str(pathlib.Path(path).resolve().relative_to(pathlib.Path.cwd()))
    except ValueError:
        return str(path)


def _code_cells(course, lesson):
    count = 0
    for nb in (course.folder("source") / lesson).glob("*.ipynb"):
        try:
            with open(nb, encoding="utf-8") as f:
                count += sum(c.get("cell_type") == "code" for c in json.load(f)["cells"])
        except (OSError, ValueError, KeyError):
            count += 50
    return max(count, 1)


# -- export -----------------------------------------------------------------------------------


def cmd_export(args):
    course = Course()
    lessons = [course.resolve_lesson(x) for x in args.lesson] if args.lesson else None
    rows = []
    with course.gradebook() as gb:
        assignments = [a for a in gb.assignments if lessons is None or a.name in lessons]
        assignments.sort(key=lambda a: a.name)
        for student in sorted(gb.students, key=lambda s: s.id):
            row = {"student_id": student.id, "last_name": student.last_name or "",
                   "first_name": student.first_name or "", "email": student.email or ""}
            per = {}
            for a in assignments:
                try:
                    s = gb.find_submission(a.name, student.id)
                except Exception:
                    per[a.name] = None
                    continue
                per[a.name] = s
            row["submissions"] = per
            row["review"] = {}
            for a in assignments:
                notes = []
                for nb in sorted((course.folder("autograded") / student.id / a.name)
                                 .glob("*.ipynb")):
                    notes += review_notes(judge_report(nb))
                if notes:
                    row["review"][a.name] = "; ".join(notes)
            rows.append(row)
        out = sys.stdout if args.to in (None, "-") else open(args.to, "w", newline="",
                                                              encoding="utf-8")
        try:
            writer = csv.writer(out)
            if args.long:
                writer.writerow(["student_id", "last_name", "first_name", "email", "lesson",
                                 "timestamp", "score", "max_score", "late_penalty",
                                 "needs_manual_grade", "review"])
                for row in rows:
                    for a in assignments:
                        s = row["submissions"][a.name]
                        if s is None:
                            continue
                        writer.writerow([row["student_id"], row["last_name"], row["first_name"],
                                         row["email"], a.name, s.timestamp or "", f"{s.score:g}",
                                         f"{s.max_score:g}", f"{s.late_submission_penalty:g}",
                                         s.needs_manual_grade, row["review"].get(a.name, "")])
            else:
                names = [a.name for a in assignments]
                writer.writerow(["student_id", "last_name", "first_name", "email", *names,
                                 "total", "max_total", "review"])
                max_total = sum(a.max_score for a in assignments)
                for row in rows:
                    scores = [row["submissions"][n] for n in names]
                    total = sum(s.score for s in scores if s is not None)
                    writer.writerow([row["student_id"], row["last_name"], row["first_name"],
                                     row["email"],
                                     *["" if s is None else f"{s.score:g}" for s in scores],
                                     f"{total:g}", f"{max_total:g}",
                                     " | ".join(f"{n}: {v}" for n, v in row["review"].items())])
        finally:
            if out is not sys.stdout:
                out.close()
    if args.to not in (None, "-"):
        print(f"{len(rows)} students, {len(assignments)} lessons: {args.to}", file=sys.stderr)
    return 0


# -- the subcommands --------------------------------------------------------------------------


def add_grade_commands(subparsers):
    """Add `grade` and `export` to the `autograd-course` command's subparsers."""
    grade = subparsers.add_parser(
        "grade",
        help="autograde a lesson's submissions on a Dask cluster (instructors)",
        description="Autograde the submissions of a lesson (submitted/<student>/<lesson>/) not "
        "graded yet, with nbgrader and the course's nbgrader_config.py (sandboxed kernels), one "
        "Dask task per submission, each in a scratch course folder: on a local cluster of N "
        "worker processes (--jobs), or on a running cluster (--scheduler, or "
        "DASK_SCHEDULER_ADDRESS). The grades are saved into the gradebook (nbgrader's db_url: "
        "SQLite or PostgreSQL) and autograded/ as results come in, as `nbgrader autograde` "
        "does. Prints a progress bar and a summary table; logs go to grading-logs/<lesson>/. "
        "Exit status: 0 if every submission was graded, 1 if one was not, 2 on a usage error, "
        "3 if the gradebook's database could not be reached (run the command again: only what "
        "is missing is graded). Run it in the course's folder.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    grade.add_argument("lesson", help="the lesson (01_why_autodiff, or just 01)")
    grade.add_argument("-j", "--jobs", type=int, default=None,
                       help="worker processes of the local cluster, each grading one student "
                       "at a time (default: the number of CPUs)")
    grade.add_argument("--scheduler", metavar="ADDRESS",
                       help="grade on the Dask cluster of this scheduler, e.g. "
                       "tcp://HOST:8786 (default: $DASK_SCHEDULER_ADDRESS, else a local "
                       "cluster made for the run)")
    grade.add_argument("--force", action="store_true",
                       help="grade again the submissions graded already (by default they are "
                       "skipped, as by nbgrader autograde)")
    grade.add_argument("--student", nargs="+", metavar="ID",
                       help="only these students (default: every submission)")
    grade.add_argument("--timeout", type=int, default=None, metavar="SECONDS",
                       help="time limit per cell (default: nbgrader_config.py's, 30 s)")
    grade.add_argument("--student-timeout", type=int, default=None, metavar="SECONDS",
                       help="time limit per student, after which its grading is stopped and "
                       "reported (default: code cells x time limit per cell + 120 s)")
    for gone in ("--shard", "--results", "--merge"):  # replaced by --scheduler: say so
        grade.add_argument(gone, nargs="*", help=argparse.SUPPRESS)
    grade.add_argument("--set", action="append", default=[], metavar="CLASS.OPTION=VALUE",
                       dest="nbgrader_args",
                       help="an option for nbgrader (repeatable), as on its command line but "
                       "without the dashes, e.g. --set Sandbox.memory=4G")
    grade.set_defaults(func=_guarded(cmd_grade))

    export = subparsers.add_parser(
        "export", help="write the gradebook's scores as CSV (instructors)",
        description="Write the scores in the gradebook as CSV: one row per student and a "
        "column per lesson (with the total), or with --long one row per student and lesson. "
        "Scores include late penalties. Run it in the course's folder.",
    )
    export.add_argument("--to", metavar="FILE", help="the CSV file (default: standard output)")
    export.add_argument("--lesson", nargs="+", help="only these lessons")
    export.add_argument("--long", action="store_true",
                        help="one row per student and lesson, with time stamps and penalties")
    export.set_defaults(func=_guarded(cmd_export))


def _guarded(func):
    def run(args):
        try:
            return func(args)
        except GradingError as e:
            print(f"autograd-course: {e}", file=sys.stderr)
            return 2
        except GradebookUnreachable as e:
            print(f"autograd-course: {e}", file=sys.stderr)
            return 3
    run.__name__ = func.__name__
    return run


def main(argv=None):
    """The `grade` and `export` commands alone (`autograd-course` has them, and more)."""
    parser = argparse.ArgumentParser(prog="autograd-course", epilog=EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_grade_commands(sub)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return args.func(args)


