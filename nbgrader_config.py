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
c.Autograde.create_student = True

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
