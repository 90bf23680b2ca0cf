"""The instructor's commands: ``autograd-course grade`` (parallel autograding) and ``export``.

``autograd-course grade LESSON --jobs N`` autogrades every submission of a lesson
(``submitted/<student>/<lesson>/``), N students at a time, into the course's gradebook, with a
progress bar and a summary table (score, time, and every problem by name: time limits, dead
kernels, cells not run, restored test cells, submissions that could not be graded).

How it is safe to run students side by side (docs/instructor.md says more):

1. Each student is autograded by nbgrader itself (its ``autograde`` app, with the course's
   ``nbgrader_config.py``: the same sandbox, time limits and restored cells as a plain
   ``nbgrader autograde``), in a scratch course folder of its own: a copy of the submission, a
   copy of the gradebook (a snapshot taken once, with SQLite's backup API), links to
   ``solutions/`` and ``course/``. No two workers share a file; a worker that crashes or hangs
   is killed (``--student-timeout``) and reported, and the others go on. The real
   ``submitted/`` is only read.
2. The workers are processes forked from a process that has already imported nbgrader
   (``multiprocessing``'s forkserver): each student starts in milliseconds instead of the
   seconds nbgrader takes to import.
3. When they are done, one process merges the results into the real gradebook, serially: it
   runs nbgrader's ``autograde`` once more over the executed notebooks, with nbgrader's own
   preprocessors that save the grades (``SaveAutoGrades``, ``AssignLatePenalties`` ...) but no
   execution, so the gradebook and ``autograded/`` end up exactly as a plain ``nbgrader
   autograde`` would leave them, and only one process ever writes to the gradebook.

The same two steps split across machines: ``--shard K/M --results DIR`` grades every M-th
student into DIR without touching the gradebook, and ``--merge DIR ...`` merges such folders.
"""

import argparse
import contextlib
import csv
import io
import json
import multiprocessing
import os
import pathlib
import re
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait

GRADER_ERRORS = {
    "CellTimeoutError": "ran past the time limit",
    "KernelDied": "the kernel died",
    "StdinNotImplementedError": "asked for input()",
}
TRUNCATED = "[output truncated by the grader"
LOG_DIR = "grading-logs"
_SAFE = re.compile(r"[^A-Za-z0-9_.@+-]")

EXAMPLES = """\
examples:
  autograd-course grade 01_why_autodiff              every submission, one student per CPU
  autograd-course grade 01 --jobs 4 --timeout 60     4 at a time, 60 s per cell
  autograd-course grade 01 --student alice bob       only these students
  autograd-course grade 01 --set Sandbox.memory=4G   an option of nbgrader_config.py
  autograd-course grade 01 --shard 2/3 --results r2  machine 2 of 3: grade, do not merge
  autograd-course grade 01 --merge r1 r2 r3          merge the machines' results
  autograd-course export --to grades.csv             one row per student, a column per lesson
"""


class GradingError(Exception):
    """A problem with the course or the command line (exit status 2)."""


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
        number = name.lstrip("0")
        matches = [lesson for lesson in lessons
                   if number.isdigit() and lesson.split("_")[0].lstrip("0") == number
                   or not name.isdigit() and name.lower() in lesson.lower()]
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


def _sqlite_path(db_url):
    if not db_url.startswith("sqlite:///"):
        raise GradingError(
            f"autograd-course grade needs nbgrader's SQLite gradebook (db_url {db_url!r}); use "
            "plain `nbgrader autograde` with other databases"
        )
    return db_url[len("sqlite:///"):]


def snapshot_gradebook(course, lesson, dest):
    """A consistent copy of the gradebook (SQLite's backup API), checked to know the lesson."""
    src = _sqlite_path(course.db_url)
    if not os.path.exists(src):
        raise GradingError(
            f"no gradebook at {src}: run `nbgrader generate_assignment {lesson}` first"
        )
    from nbgrader.api import Gradebook, MissingEntry

    with contextlib.closing(sqlite3.connect(src)) as source, \
            contextlib.closing(sqlite3.connect(dest)) as copy:
        source.backup(copy)
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
    """A forked worker: run `nbgrader <argv>` in cwd, everything it prints into log_path."""
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
    global _FORKSERVER
    with _FORKSERVER_LOCK:
        if _FORKSERVER is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["autograd_course.grading", "autograd_course.sandbox",
                                        "autograd_course.cli", "nbgrader.apps.nbgraderapp"])
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


def grade_student(course, lesson, student, template, results, extra_args, student_timeout,
                  stop):
    """Autograde one student in a scratch course folder; leave the executed notebook in
    results/<student>/<lesson>/ and a Result (also in results/<student>/result.json)."""
    result = Result(student)
    started = time.monotonic()
    out = pathlib.Path(results) / student
    out.mkdir(parents=True, exist_ok=True)
    log_path = out / "autograde.log"
    result.log = str(log_path)
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="agc-grade-"))
    kernels = tempfile.mkdtemp(prefix="agc-k-")  # the kernels' sockets: removed with the rest
    os.chmod(kernels, 0o711)  # a root grader's kernels run as other users, and must reach it
    try:
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
        shutil.copyfile(template, db)
        argv = ["autograde", lesson, f"--student={student}", "--force",
                f"--CourseDirectory.root={scratch}", f"--CourseDirectory.db_url=sqlite:///{db}",
                f"--Sandbox.scratch_root={kernels}", "--Autograde.create_student=True",
                *extra_args]
        process = _context().Process(target=_autograde_child,
                                     args=(str(course.config_dir), argv, str(log_path)))
        process.start()
        deadline = started + student_timeout
        while process.is_alive() and time.monotonic() < deadline and not stop.is_set():
            process.join(0.2)
        if process.is_alive():
            process.kill()
            process.join()
            result.status = "timed out" if not stop.is_set() else "cancelled"
            result.problems.append(
                f"grading took more than {student_timeout} s and was stopped"
                if not stop.is_set() else "cancelled")
            return result
        log = log_path.read_text(errors="replace") if log_path.exists() else ""
        graded = scratch / course.coursedir.autograded_directory / student / lesson
        notebooks = sorted(graded.glob("*.ipynb")) if graded.is_dir() else []
        result.problems += log_problems(log)
        if process.exitcode != 0 or not notebooks:
            result.status = "failed"
            result.problems.append("could not be graded: " + _last_error(log))
            return result
        for nb in notebooks:
            result.problems += notebook_problems(nb)
            result.review += review_notes(judge_report(nb))
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{db}", course_id=course.coursedir.course_id) as gb:
            submission_row = gb.find_submission(lesson, student)
            result.score, result.max_score = submission_row.score, submission_row.max_score
        dest = out / lesson
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(graded, dest)
        timestamp = submission / "timestamp.txt"
        if timestamp.exists():
            shutil.copyfile(timestamp, dest / "timestamp.txt")
        result.status = "graded"
        return result
    except Exception as e:  # a failure here must not stop the other students
        result.status = "failed"
        result.problems.append(f"could not be graded: {type(e).__name__}: {e}")
        return result
    finally:
        result.seconds = round(time.monotonic() - started, 2)
        result.problems = list(dict.fromkeys(result.problems))
        with open(out / "result.json", "w", encoding="utf-8") as f:
            json.dump(result.to_json(), f, indent=1)
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(kernels, ignore_errors=True)


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


def merge_results(course, lesson, results, log):
    """Save the grades of the executed notebooks in results/<student>/<lesson>/ into the
    course's gradebook and autograded/, with nbgrader's own autograde minus the execution.
    Returns the students merged; nbgrader's log goes to log (a file object)."""
    results = pathlib.Path(results).resolve()
    students = sorted(p.parent.name for p in results.glob(f"*/{lesson}") if p.is_dir())
    if not students:
        return []
    from nbgrader.converters import Autograde
    from nbgrader.converters.base import NbGraderException
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    config = Config(course.config)
    config.CourseDirectory.submitted_directory = str(results)
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
        started = time.time() - 1
        try:
            converter.start()
        except NbGraderException as e:
            log.write(f"merge: {e}\n")
    # Merged: those whose notebooks nbgrader wrote into autograded/ just now (it removes the
    # notebooks of a student it fails on).
    merged = []
    for student in students:
        graded = course.folder("autograded") / student / lesson
        notebooks = [graded / p.name for p in (results / student / lesson).glob("*.ipynb")]
        if notebooks and all(p.exists() and p.stat().st_mtime >= started for p in notebooks):
            merged.append(student)
    return merged


# -- the command ------------------------------------------------------------------------------


class Progress:
    """A one-line progress bar on a terminal, a line per student elsewhere."""

    def __init__(self, total, jobs, out=sys.stderr):
        self.total, self.jobs, self.out = total, jobs, out
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


def summary_table(results, lesson, elapsed, jobs):
    """The summary: a row per student (score, time, problems), then totals."""
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
    if jobs is None:  # --merge: the grading happened elsewhere
        how = f"merged (grading took {_duration(total)} in all)"
    else:
        how = (f"graded in {_duration(elapsed)} with {jobs} job{'s' if jobs != 1 else ''} "
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


def _shard(text):
    m = re.fullmatch(r"(\d+)/(\d+)", text or "")
    if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
        raise argparse.ArgumentTypeError("a shard is K/M with 1 <= K <= M, e.g. 2/3")
    return int(m.group(1)), int(m.group(2))


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


def cmd_grade(args):
    course = Course()
    lesson = course.resolve_lesson(args.lesson)
    extra = []
    for option in args.nbgrader_args or []:
        if not re.fullmatch(r"-*[A-Za-z_]\w*\.\w+=.*", option, flags=re.S):
            raise GradingError(f"--set {option}: expected CLASS.OPTION=VALUE, such as "
                               "Sandbox.memory=4G")
        extra.append("--" + option.lstrip("-"))
    if args.timeout is not None:
        extra.append(f"--Execute.timeout={args.timeout}")
    log_dir = course.root / LOG_DIR / lesson
    log_dir.mkdir(parents=True, exist_ok=True)

    if args.merge:  # only merge folders that `--shard ... --results DIR` made elsewhere
        results = []
        with open(log_dir / "merge.log", "a", encoding="utf-8") as log:
            for folder in args.merge:
                merged = merge_results(course, lesson, folder, log)
                for p in sorted(pathlib.Path(folder).glob("*/result.json")):
                    r = Result.from_json(json.loads(p.read_text()))
                    if r.status == "graded" and r.student not in merged:
                        r.status, r.problems = "failed", r.problems + ["not merged"]
                    results.append(r)
        record_ungraded(course, lesson, results)
        _final_scores(course, lesson, results)
        table = summary_table(results, lesson, 0, None)
        (log_dir / "summary.txt").write_text(table + "\n", encoding="utf-8")
        print(table)
        return 0 if all(r.status == "graded" for r in results) else 1

    students = course.students(lesson, args.student)
    if args.shard:
        k, m = args.shard
        students = students[k - 1::m]
    if not students:
        print(f"No submissions of {lesson} in {course.folder('submitted')}/<student>/{lesson}/",
              file=sys.stderr)
        return 0 if args.shard else 1
    mode = preflight_sandbox(course, extra)
    print(f"Preflight: grading the solution of {lesson} through the judge ...", file=sys.stderr,
          flush=True)
    cache = preflight_judge(course, lesson, extra)
    extra.append(f"--JudgeExecute.cache_dir={cache}")
    jobs = max(1, args.jobs or os.cpu_count() or 1)
    jobs = min(jobs, len(students))
    limit = course.time_limit(extra)
    code_cells = _code_cells(course, lesson)
    student_timeout = args.student_timeout or (code_cells * limit + 120)

    work = pathlib.Path(tempfile.mkdtemp(prefix="agc-run-"))
    results_dir = pathlib.Path(args.results).resolve() if args.results else work / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    template = work / "gradebook-template.db"
    snapshot_gradebook(course, lesson, template)
    print(f"Grading {len(students)} submission{'s' * (len(students) != 1)} of {lesson}, "
          f"{jobs} at a time (sandbox: {mode}; {limit} s per cell, {student_timeout} s per "
          f"student)", file=sys.stderr, flush=True)

    stop = threading.Event()
    progress = Progress(len(students), jobs)
    started = time.monotonic()
    results, futures, interrupted = [], [], False
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="grade")
    try:
        futures = [pool.submit(grade_student, course, lesson, s, template, results_dir, extra,
                               student_timeout, stop) for s in students]
        pending = set(futures)
        progress.update()
        while pending:
            done, pending = wait(pending, timeout=0.5)
            for f in done:
                results.append(f.result())
                progress.update(results[-1])
            if not done:
                progress.update()
    except KeyboardInterrupt:
        interrupted = True
        stop.set()
        progress.finish()
        print("Interrupted: stopping the workers; what is graded is merged.", file=sys.stderr)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        progress.finish()
    if interrupted:
        seen = {id(r) for r in results}
        results += [f.result() for f in futures
                    if f.done() and not f.cancelled() and id(f.result()) not in seen]
    elapsed = time.monotonic() - started

    for r in results:  # keep each student's nbgrader log with the course
        if r.log and os.path.exists(r.log):
            kept = log_dir / f"{_SAFE.sub('_', r.student)}.log"
            shutil.copyfile(r.log, kept)
            r.log = str(kept)
    status = 0 if all(r.status == "graded" for r in results) else 1
    if not args.results:
        with open(log_dir / "merge.log", "w", encoding="utf-8") as log:
            merged = set(merge_results(course, lesson, results_dir, log))
        for r in results:
            if r.status == "graded" and r.student not in merged:
                r.status = "failed"
                r.problems.append(f"not merged into the gradebook (see {log_dir}/merge.log)")
                status = 1
        record_ungraded(course, lesson, results)
        _final_scores(course, lesson, results)
    shutil.rmtree(work, ignore_errors=True)  # with --results, the results are elsewhere
    table = summary_table(results, lesson, elapsed, jobs)
    (log_dir / "summary.txt").write_text(table + "\n", encoding="utf-8")
    print(table)
    print(f"\nLogs: {_display(log_dir)}/<student>.log; this table: {_display(log_dir)}/summary.txt"
          + ("" if not args.results else
             f"\nResults (not merged): {results_dir}; merge them with "
             f"`autograd-course grade {lesson} --merge {results_dir}`"))
    return status


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
        help="autograde a lesson's submissions, several students at a time (instructors)",
        description="Autograde every submission of a lesson (submitted/<student>/<lesson>/) "
        "with nbgrader and the course's nbgrader_config.py (sandboxed kernels), N students at "
        "a time, each in a scratch course folder; then save the grades into the gradebook and "
        "autograded/, as `nbgrader autograde` does. Prints a progress bar and a summary table; "
        "logs go to grading-logs/<lesson>/. Exit status: 0 if every submission was graded, 1 "
        "if one could not be, 2 on a usage error. Run it in the course's folder.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    grade.add_argument("lesson", help="the lesson (01_why_autodiff, or just 01)")
    grade.add_argument("-j", "--jobs", type=int, default=None,
                       help="students graded at a time (default: the number of CPUs)")
    grade.add_argument("--student", nargs="+", metavar="ID",
                       help="only these students (default: every submission)")
    grade.add_argument("--timeout", type=int, default=None, metavar="SECONDS",
                       help="time limit per cell (default: nbgrader_config.py's, 30 s)")
    grade.add_argument("--student-timeout", type=int, default=None, metavar="SECONDS",
                       help="time limit per student, after which its grading is stopped and "
                       "reported (default: code cells x time limit per cell + 120 s)")
    grade.add_argument("--shard", type=_shard, metavar="K/M",
                       help="grade only every M-th student, starting with the K-th (sorted by "
                       "id): one machine's share; use with --results")
    grade.add_argument("--results", metavar="DIR",
                       help="leave the graded notebooks in DIR and do not touch the gradebook "
                       "(merge them later with --merge DIR)")
    grade.add_argument("--merge", nargs="+", metavar="DIR",
                       help="grade nothing: merge folders made by --results into the gradebook")
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


