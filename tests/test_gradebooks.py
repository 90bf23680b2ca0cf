"""autograd_course.gradebooks.copy_submission: a student's grades reach the gradebook whole or
not at all (nbgrader's autograde alone commits cell by cell). SQLite gradebooks made with
nbgrader's own API; a trigger stands for a database that fails midway."""

import os
import shutil
import sqlite3
import sys
import warnings

import pytest

from autograd_course.gradebooks import copy_submission as _copy_submission

CELLS = ["g1", "g2", "g3"]


def copy_submission(source_url, dest_url, lesson, student):
    """autograd_course.gradebooks.copy_submission, between the gradebooks at two URLs."""
    from nbgrader.api import Gradebook

    with Gradebook(source_url) as source, Gradebook(dest_url) as gb:
        _copy_submission(source, gb, lesson, student)


@pytest.fixture(scope="module")
def empty(tmp_path_factory):
    """A gradebook that knows assignment a (notebook n: three graded cells and an answer cell)
    and student s. Made once: nbgrader stamps a new gradebook with the alembic command."""
    from nbgrader.api import Gradebook

    path = tmp_path_factory.mktemp("gradebook") / "empty.db"
    env_path = os.environ["PATH"]
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env_path
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Gradebook(f"sqlite:///{path}") as gb:
                gb.add_assignment("a")
                gb.add_notebook("n", "a")
                for name in CELLS:
                    gb.add_grade_cell(name, "n", "a", max_score=2, cell_type="code")
                gb.add_solution_cell("s1", "n", "a")
                gb.add_student("s")
    finally:
        os.environ["PATH"] = env_path
    return path


@pytest.fixture
def gradebooks(empty, tmp_path):
    """(scratch, gradebook): URLs of two copies of the empty gradebook."""
    for name in ("scratch", "gradebook"):
        shutil.copyfile(empty, tmp_path / f"{name}.db")
    return f"sqlite:///{tmp_path / 'scratch.db'}", f"sqlite:///{tmp_path / 'gradebook.db'}"


def _graded(url):
    """Give s 2, 1 and 0 points, submitted at noon, as autograde does in the scratch gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(url) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLAlchemy's autoflush notes on nbgrader's own code
        gb.add_submission("a", "s", timestamp="2026-12-01 12:00:00")
        nb = gb.find_submission_notebook("n", "a", "s")
        for grade, score in zip(sorted(nb.grades, key=lambda g: g.name), [2, 1, 0]):
            grade.auto_score = score
            grade.needs_manual_grade = False
        nb.comments[0].auto_comment = "No response."
        gb.db.commit()
    return url


def _grades(url):
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(url) as gb:
        try:
            nb = gb.find_submission_notebook("n", "a", "s")
        except MissingEntry:
            return None
        return {g.name: (g.auto_score, g.manual_score, g.needs_manual_grade) for g in nb.grades}


def test_a_new_submission_is_copied_whole(gradebooks):
    source, dest = _graded(gradebooks[0]), gradebooks[1]
    copy_submission(source, dest, "a", "s")
    assert _grades(dest) == {"g1": (2, None, False), "g2": (1, None, False),
                             "g3": (0, None, False)}
    from nbgrader.api import Gradebook

    with Gradebook(dest) as gb:
        submission = gb.find_submission("a", "s")
        assert str(submission.timestamp) == "2026-12-01 12:00:00"
        assert submission.notebooks[0].comments[0].auto_comment == "No response."


def test_a_manual_score_stays_and_still_needs_grading(gradebooks):
    from nbgrader.api import Gradebook

    source, dest = _graded(gradebooks[0]), gradebooks[1]
    with Gradebook(dest) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # as in _graded
        gb.add_submission("a", "s")
        grade = gb.find_grade("g2", "n", "a", "s")
        grade.manual_score = 2
        gb.db.commit()
    copy_submission(source, dest, "a", "s")
    assert _grades(dest) == {"g1": (2, None, False), "g2": (1, 2, True), "g3": (0, None, False)}


@pytest.mark.parametrize("existing", [False, True], ids=["new", "graded-before"])
def test_a_database_failing_midway_keeps_nothing_of_the_submission(gradebooks, tmp_path,
                                                                   existing):
    source, dest = _graded(gradebooks[0]), gradebooks[1]
    if existing:
        copy_submission(source, dest, "a", "s")
        before = _grades(dest)
        with sqlite3.connect(tmp_path / "scratch.db") as db:  # graded again: 1, 0 and 2 points
            db.execute("UPDATE grade SET auto_score = (auto_score + 2) % 3")
    # The database refuses the last cell's score, after the first ones were written.
    with sqlite3.connect(tmp_path / "gradebook.db") as db:
        for event in ("INSERT", "UPDATE"):
            db.execute(f"""CREATE TRIGGER fail_{event} BEFORE {event} ON grade
                           WHEN (SELECT name FROM base_cell WHERE id = NEW.cell_id) = 'g3'
                           BEGIN SELECT RAISE(ABORT, 'the disk is gone'); END""")
    with pytest.raises(Exception, match="the disk is gone"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copy_submission(source, dest, "a", "s")
    assert _grades(dest) == (before if existing else None)
