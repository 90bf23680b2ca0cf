"""nbgrader's configuration for autograd-course (read by every `nbgrader` command run here).

Lessons are nbgrader *source* notebooks in ``solutions/<lesson>/``; the student notebooks in
``course/<lesson>/`` are generated from them (``scripts/generate_course.sh``). Grading state
(``submitted/``, ``autograded/``, ``feedback/``, ``gradebook.db``) stays out of git.
"""

import os
import sys

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

# nbgrader creates gradebook.db by running the `alembic` command; make the one installed next to
# this Python findable even when the virtual environment is not activated (`.venv/bin/nbgrader`).
_bin = os.path.dirname(sys.executable)
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")

c.CourseDirectory.course_id = "autograd-course"
# The repository root is this file's folder, wherever the repository (or a copy) lives.
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "course"
# Generating a lesson records it in the gradebook (gradebook.db, git-ignored) if it is new, so
# `nbgrader generate_assignment <lesson>` works without a prior `nbgrader db assignment add`.
c.GenerateAssignment.create_assignment = True
# A lesson's probes (solutions/<lesson>/probes.py: what the judge checks, hidden inputs included)
# stay with the instructor: never copied into course/ nor anywhere a student's kernel runs.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback",
                            "probes.py", ".judge-cache"]
c.Autograde.create_student = True
# The gradebook: gradebook.db (SQLite) in the course's folder, unless the environment names
# another database, e.g. a PostgreSQL server shared by several graders (docs/instructor.md):
#   AUTOGRAD_COURSE_DB_URL=postgresql+psycopg://grader:PASSWORD@HOST:5432/autograd_course
# (or set c.CourseDirectory.db_url here).
if os.environ.get("AUTOGRAD_COURSE_DB_URL"):
    c.CourseDirectory.db_url = os.environ["AUTOGRAD_COURSE_DB_URL"]

# Grading runs each cell with a time limit; a cell that runs past it is interrupted and
# recorded as an error, so the exercise it belongs to scores nothing (autograd_course.checks).
c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = True

# Student copies: outputs go, and with them the execution timestamps that executing a notebook
# may leave in cell metadata (nbclient's record_timing, JupyterLab's ExecuteTime); solutions
# become `raise NotImplementedError()`; hidden tests disappear.
c.ClearOutput.remove_metadata_fields = {"collapsed", "scrolled", "execution", "ExecuteTime"}
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.ClearSolutions.begin_solution_delimeter = "BEGIN SOLUTION"
c.ClearSolutions.end_solution_delimeter = "END SOLUTION"
c.ClearSolutions.enforce_metadata = True
c.ClearHiddenTests.begin_test_delimeter = "BEGIN HIDDEN TESTS"
c.ClearHiddenTests.end_test_delimeter = "END HIDDEN TESTS"
c.ClearHiddenTests.enforce_metadata = True

# -- Instructor side: grading (docs/instructor.md) --------------------------------------------
# Points are decided by the judge (autograd_course/judge.py), in the grader's own process: the
# student's cells run in a sandboxed kernel without the test cells, then each exercise's probes
# (solutions/<lesson>/probes.py) are called on the student's names, and what they return is
# compared with what they return on the solution. The verdicts become the test cells' outputs.
# Student code runs in a sandbox (autograd_course/sandbox.py): nbgrader's Execute is replaced,
# in `nbgrader autograde` and the formgrader's Autograde button only (students' Validate is
# untouched), by SandboxedExecute, whose kernels run in bubblewrap (else, as root, as an
# unprivileged user; else grading refuses unless c.Sandbox.allow_unsandboxed or the environment
# variable AUTOGRAD_COURSE_UNSANDBOXED=1). A dead or runaway kernel stops only its notebook;
# the cells it did not run score nothing and say why. Any of these can be set on the command
# line too, e.g. `nbgrader autograde 01_why_autodiff --Sandbox.memory=4G`.
c.Autograde.autograde_preprocessors = [
    "autograd_course.judge.JudgeExecute",  # instead of nbgrader.preprocessors.Execute
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Sandbox.mode = "auto"  # "bwrap", "setpriv", or "none" (no sandbox, with a warning)
c.Sandbox.memory = "2G"  # address space of a grading kernel
c.Sandbox.cpu_time = 600  # CPU seconds of a grading kernel, all its cells together
c.Sandbox.processes = 64  # processes and threads of a grading kernel
c.Sandbox.file_size = "64M"  # largest file a grading kernel may write (in its private /tmp)
c.Sandbox.tmp_size = "256M"  # its private /tmp
c.SandboxedExecute.max_output_bytes = 1_000_000  # output kept per cell; the rest is dropped
c.JudgeExecute.submission_timeout = 600  # wall-clock seconds per notebook, probes included
# The judge's report (verdicts, suspicious code, files handed in) stays in the graded notebook.
c.ClearMetadataPreprocessor.preserve_nb_metadata_mask = {("language_info", "name"),
                                                         ("autograd_course",)}
# A test cell that a student deleted (or whose nbgrader metadata they removed) is put back, from
# the gradebook, and graded; edited read-only cells are restored by nbgrader's checksums anyway.
# (RestoreCells: nbgrader's OverwriteCells, which crashes when the answer is deleted too.)
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "autograd_course.sandbox.RestoreCells",  # instead of nbgrader.preprocessors.OverwriteCells
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.OverwriteCells.add_missing_cells = True

# Feedback (`nbgrader generate_feedback`, the formgrader's buttons) never shows hidden tests:
# they are removed from the sources, and their failures keep only the error's type.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "autograd_course.feedback.HideHiddenTests",
]

# `nbgrader zip_collect <lesson>` (submissions downloaded from an LMS, in
# downloaded/<lesson>/archive/, zipped or not): a file's name gives the student's id, its first
# part, and the notebook, its last: alice_01_why_autodiff.ipynb, or as Canvas names them,
# alicesmith_12345_67890_01_why_autodiff.ipynb (and ...-1.ipynb for a resubmission). Adapt it to
# your LMS: docs/instructor.md.
c.FileNameCollectorPlugin.named_regexp = (
    r".*/(?P<student_id>[^/_]+)_(?:[^/]*_)?(?P<file_id>\d\d_[A-Za-z0-9_]+?)(?:-\d+)?\.ipynb$"
)
