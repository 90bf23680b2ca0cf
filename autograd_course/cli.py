"""The ``autograd-course`` command: check a lesson's exercises from a terminal.

``autograd-course check 01_why_autodiff`` runs the student's notebook (by default
``course/01_why_autodiff/01_why_autodiff.ipynb``) from top to bottom in a fresh kernel, exactly
as nbgrader's Validate button and ``nbgrader validate`` do (with the course's nbgrader
configuration: the same time limit per cell), and prints one verdict per exercise: its grade id,
its points, passed or failed and why. The exit status is 0 only if every exercise passes.
"""

import argparse
import contextlib
import os
import pathlib
import re
import sys
import tempfile
import textwrap

from autograd_course import i18n
from autograd_course.grading import _chdir, add_grade_commands

COURSE_DIR = "course"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_STUB_ERROR = "NotImplementedError"
_STOPPED = ("KeyboardInterrupt", "CellTimeoutError")  # what a cell stopped at the time limit raises

EXAMPLES = """\
examples:
  autograd-course check 01_why_autodiff     course/01_why_autodiff/01_why_autodiff.ipynb
  autograd-course check 01                  the same: a lesson's number is enough
  autograd-course check 01.zh-CN            the Chinese edition (中文版) of lesson 01
  autograd-course check my_copy.ipynb       any notebook of the course, by its path
  autograd-course list                      the lessons and their exercises
"""


# -- finding lessons --------------------------------------------------------------------------


class UsageError(Exception):
    """A problem with the command line (exit status 2)."""


def _course_dirs():
    """Where lessons are looked for: ./course, . (inside course/ itself, as in `make lab`), and
    the course/ folder of the repository this package was installed from (pip install -e)."""
    here = pathlib.Path.cwd()
    repo = pathlib.Path(__file__).resolve().parent.parent
    seen, dirs = set(), []
    for d in (here / COURSE_DIR, here, repo / COURSE_DIR):
        if d.is_dir() and d.resolve() not in seen:
            seen.add(d.resolve())
            dirs.append(d)
    return dirs


def _lessons(course_dir):
    """{lesson name: notebook path} for every <lesson>/<lesson>.ipynb in course_dir."""
    return {
        p.name: p / f"{p.name}.ipynb"
        for p in sorted(course_dir.iterdir())
        if p.is_dir() and (p / f"{p.name}.ipynb").is_file()
    }


def find_notebook(name):
    """The notebook a `check` argument names: a path to a notebook or to a lesson folder, or a
    lesson's name (`01_why_autodiff`), number (`01`, `1`) or part of its name (`why_autodiff`)."""
    path = pathlib.Path(name)
    if path.is_file():
        return path
    if path.is_dir():
        notebooks = [path / f"{path.resolve().name}.ipynb"] + sorted(path.glob("*.ipynb"))
        for nb in notebooks:
            if nb.is_file():
                return nb
        raise UsageError(f"no notebook in the folder {name}")
    if name.endswith(".ipynb") or os.sep in name:
        raise UsageError(f"no such notebook: {name}")

    searched = []
    for course_dir in _course_dirs():
        lessons = _lessons(course_dir)
        if not lessons:
            continue
        searched.append(str(course_dir))
        if name in lessons:
            return lessons[name]
        matches = i18n.match_lessons(name, lessons)  # `03` English, `03.zh-CN` Chinese
        if len(matches) == 1:
            return lessons[matches[0]]
        if len(matches) > 1:
            raise UsageError(
                f"'{name}' matches several lessons: {', '.join(matches)}; name one of them"
            )
    if not searched:
        raise UsageError(
            f"no lesson called '{name}': no course/ folder here (run this from the course's "
            "folder, or give the notebook's path)"
        )
    raise UsageError(
        f"no lesson called '{name}' in {' or '.join(searched)} (`autograd-course list` lists them)"
    )


# -- running a notebook like nbgrader validate ------------------------------------------------


def _nbgrader_config(notebook):
    """nbgrader's configuration as `nbgrader validate` would load it from the course's folder:
    the nbgrader_config.py found beside the notebook or in a folder above it (the course's
    time limit per cell), else the current folder's, plus Jupyter's config paths."""
    from nbgrader.apps import NbGrader

    config_dir = pathlib.Path.cwd()
    for d in [notebook.parent, *notebook.parent.parents]:
        if (d / "nbgrader_config.py").is_file():
            config_dir = d
            break
    with _chdir(config_dir):
        app = NbGrader()
        app.log.setLevel("ERROR")  # no "No nbgrader_config.py file found" outside the course
        app.load_config_file()
    return app.config


@contextlib.contextmanager
def _kernel_stderr_kept():
    """Send what the kernel writes to its own stderr (not a cell's: ipykernel's start-up
    warnings) to a file, shown only if running the notebook fails."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as log:
        os.dup2(log.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _error_text(cell):
    """'Name: message' of a code cell's error (or its stderr), without colours; '' if none."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            ename, evalue = output.get("ename", "Error"), output.get("evalue", "")
            if not evalue and output.get("traceback"):
                return _ANSI.sub("", output["traceback"][-1]).strip().rstrip(":")
            return f"{ename}: {evalue}" if evalue else ename
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            return "wrote to stderr: " + _ANSI.sub("", output.get("text", "")).strip()
    return ""


def _error_name(cell):
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return output.get("ename", "")
    return ""


class Verdict:
    """One exercise: its test cell's grade id, points, and what happened."""

    def __init__(self, grade_id, score, points, status, message=""):
        self.grade_id, self.score, self.points = grade_id, score, points
        self.status, self.message = status, message  # "passed", "failed", "not answered"

    @property
    def passed(self):
        return self.status == "passed"


def time_limit(config):
    """The time limit per cell (s) nbgrader runs with under this configuration."""
    from nbgrader.preprocessors import Execute

    return Execute(config=config).timeout


def grade(notebook, config=None):
    """Run the notebook like `nbgrader validate` and return (verdicts, problems): a Verdict per
    graded test cell, in order, and a list of reasons the result is not to be trusted (changed
    read-only cells, changed cell types). config: nbgrader's (default: the course's)."""
    import nbformat
    from nbgrader import utils
    from nbgrader.validator import Validator

    notebook = pathlib.Path(notebook).resolve()
    if config is None:
        config = _nbgrader_config(notebook)
    limit = time_limit(config)
    validator = Validator(config=config)
    nb = nbformat.read(str(notebook), as_version=nbformat.NO_CONVERT)
    nb = nbformat.convert(nb, nbformat.current_nbformat)

    problems = []
    type_changed = validator._get_type_changed_cells(nb)
    if type_changed:
        problems.append(
            f"{len(type_changed)} cell(s) changed type (code to Markdown or back); the grader "
            "cannot grade them. Change them back, or start again from a fresh copy of the lesson."
        )
        return [], problems

    # The kernel's `python` is this interpreter (jupyter_client also sees to that); its bin/ first
    # on PATH for anything the notebook starts. The debugger's frozen-modules warning is noise.
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    with _chdir(notebook.parent), _kernel_stderr_kept():
        nb = validator._preprocess(nb)

    changed = validator._get_changed_cells(nb)
    if changed:
        problems.append(
            f"{len(changed)} read-only cell(s) (tests or instructions) were changed. The grader "
            "uses the original ones, so the result here may not be your grade: undo the change "
            "(or copy your answers into a fresh copy of the lesson)."
        )

    verdicts, answer = [], None
    for cell in nb.cells:
        if utils.is_solution(cell) and not utils.is_grade(cell):
            answer = cell
            continue
        if not utils.is_grade(cell) or cell.cell_type != "code":
            continue
        grade_id = cell.metadata.nbgrader.get("grade_id", "?")
        score, points = utils.determine_grade(cell)
        if score is not None and score >= points:
            verdicts.append(Verdict(grade_id, score, points, "passed"))
        elif _STUB_ERROR in (_error_name(cell), answer is not None and _error_name(answer)):
            verdicts.append(Verdict(
                grade_id, score or 0, points, "not answered",
                "not answered yet: your answer still runs `raise NotImplementedError()`; "
                "replace that line (and the `# YOUR CODE HERE` above it) with your code",
            ))
        elif answer is not None and _error_name(answer) in _STOPPED:
            verdicts.append(Verdict(
                grade_id, score or 0, points, "failed",
                f"your answer's cell did not finish within the time limit ({limit} s per cell) "
                "and was stopped",
            ))
        elif answer is not None and _error_text(answer):
            verdicts.append(Verdict(
                grade_id, score or 0, points, "failed",
                "your answer's cell failed: " + _error_text(answer),
            ))
        else:
            message = _error_text(cell) or "Partial credit: some of the tests failed"
            verdicts.append(Verdict(grade_id, score or 0, points, "failed", message))
        answer = None
    return verdicts, problems


def _fmt_points(x):
    return f"{x:g}"


def report(notebook, verdicts, problems, out=None):
    """Print the verdicts; return True if every exercise passed and nothing is amiss."""
    out = out or sys.stdout
    width = max([len(v.grade_id) for v in verdicts] + [10])
    marks = {"passed": "PASS", "failed": "FAIL", "not answered": "TODO"}
    for problem in problems:
        print(textwrap.fill("Warning: " + problem, 96), file=out)
        print(file=out)
    for v in verdicts:
        points = f"{_fmt_points(v.score)}/{_fmt_points(v.points)} points"
        print(f"  {marks[v.status]}  {v.grade_id:<{width}}  {points}", file=out)
        for line in v.message.splitlines()[:12]:
            for piece in textwrap.wrap(line, 90) or [""]:
                print(f"        {piece}", file=out)
    print(file=out)
    if not verdicts:
        print("No graded exercises in this notebook." if not problems else "", file=out)
        return not problems
    passed = sum(v.passed for v in verdicts)
    score = sum(v.score for v in verdicts)
    total = sum(v.points for v in verdicts)
    ok = passed == len(verdicts) and not problems
    print(
        f"{'All' if passed == len(verdicts) else passed} of {len(verdicts)} exercises pass: "
        f"{_fmt_points(score)}/{_fmt_points(total)} points."
        + (" Well done!" if ok else ""),
        file=out,
    )
    print("(These are the tests you can see. When grading, the grader checks each exercise "
          "again,\nwith other inputs too: make your answers right for any input.)", file=out)
    return ok


def _display(path):
    """A path as short as it is clear: relative to the current folder if inside it."""
    path = pathlib.Path(path).resolve()
    try:
        relative = path.relative_to(pathlib.Path.cwd())
    except ValueError:
        return str(path)
    return str(relative) if str(relative) != "." else str(path)


def cmd_check(args):
    status = 0
    for name in args.lesson:
        notebook = find_notebook(name)
        config = _nbgrader_config(notebook.resolve())
        if args.timeout is not None:
            config.Execute.timeout = args.timeout
        print(f"Checking {_display(notebook)}: every cell runs in a fresh kernel, as nbgrader's "
              f"Validate button\nand the grader run it, {time_limit(config)} s at most per cell "
              "...\n", flush=True)
        try:
            verdicts, problems = grade(notebook, config)
        except Exception as e:  # the kernel died, the notebook is not valid JSON ...
            print(f"Could not run {_display(notebook)}: {type(e).__name__}: {e}", file=sys.stderr)
            status = max(status, 2)
            continue
        if not report(notebook, verdicts, problems):
            status = max(status, 1)
        if len(args.lesson) > 1:
            print()
    return status


def cmd_list(args):
    import nbformat

    dirs = [d for d in _course_dirs() if _lessons(d)]
    if not dirs:
        print("No course/ folder here: run this from the course's folder.", file=sys.stderr)
        return 2
    course_dir = dirs[0]
    print(f"Lessons in {_display(course_dir)}:")
    for lesson, path in _lessons(course_dir).items():
        nb = nbformat.read(str(path), as_version=4)
        graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
        points = sum(float(c.metadata.nbgrader.get("points", 0)) for c in graded)
        print(f"  {lesson:<28} {len(graded)} exercises, {_fmt_points(points)} points")
    print("\nCheck one with: autograd-course check <lesson>")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog="autograd-course",
        description="The autograd-course companion: check your answers to a lesson's exercises "
        "from a terminal, the way nbgrader's Validate button does in JupyterLab.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    check = sub.add_parser(
        "check",
        help="run a lesson's notebook and grade each exercise (exit status 0 if all pass)",
        description="Run a lesson's notebook from top to bottom in a fresh kernel, as nbgrader's "
        "Validate button and the grader do, and print a verdict per exercise: its grade id, its "
        "points, passed or failed, and the failing check's message. Save the notebook first: "
        "this runs the file, not what is open in JupyterLab. Exit status: 0 if every exercise "
        "passes, 1 if not, 2 if the notebook could not be found or run.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "lesson", nargs="+",
        help="a lesson (01_why_autodiff, or just 01), or the path of a notebook",
    )
    check.add_argument(
        "--timeout", type=int, default=None, metavar="SECONDS",
        help="time limit per cell (default: the course's nbgrader configuration, 30 s)",
    )
    check.set_defaults(func=cmd_check)
    lst = sub.add_parser("list", help="list the lessons and their exercises")
    lst.set_defaults(func=cmd_list)
    add_grade_commands(sub)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except UsageError as e:
        parser.exit(2, f"autograd-course: {e}\n")
    except ModuleNotFoundError as e:
        if e.name and e.name.split(".")[0] in ("nbgrader", "nbformat", "nbclient", "nbconvert"):
            parser.exit(2, f"autograd-course: {e.name} is missing; install the course's "
                        "environment: pip install 'autograd-course[course]' (or make lab)\n")
        raise
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `autograd-course list | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
