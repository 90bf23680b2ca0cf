"""The gradebook's database, whichever it is: SQLite (``gradebook.db``, the default) or a server
such as PostgreSQL shared by several graders (``db_url = "postgresql+psycopg://..."``).

nbgrader reaches either through SQLAlchemy; ``autograd-course grade`` needs three things more:

* a snapshot of the gradebook in a SQLite file, which each grading worker copies (its scratch
  gradebook: a worker never writes to the real one);
* to tell "the database is gone" (a server stopped, a network cut) from a submission nbgrader
  could not save, so that grading stops at once with a clear error;
* the students created before their grades are merged, safely when two graders create the same
  student at once (nbgrader's own ``update_or_create_student`` would fail on one of them);
* a student's grades saved in one transaction (``copy_submission``): nbgrader's autograde
  commits cell by cell, so a database that stops midway would keep half a submission.

>>> shown("postgresql+psycopg://grader:secret@db.example.org:5432/course")
'postgresql+psycopg://grader:***@db.example.org:5432/course'
"""

import contextlib
import sqlite3
import time
import warnings


class GradebookUnreachable(Exception):
    """The gradebook's database cannot be reached (exit status 3)."""


def shown(db_url):
    """The database's URL as it may be printed: without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(db_url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy knows: nbgrader will say so
        return db_url


def unreachable(db_url):
    """Why the database cannot be reached, or None if it answers."""
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url, connect_args=_connect_args(db_url))
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return None
    except Exception as e:
        return f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else e}"
    finally:
        engine.dispose()


def check_reachable(db_url):
    """Raise GradebookUnreachable, saying what to do, unless the database answers."""
    why = unreachable(db_url)
    if why:
        raise GradebookUnreachable(
            f"the gradebook's database ({shown(db_url)}) cannot be reached: {why}. Start it (or "
            "check db_url in nbgrader_config.py or AUTOGRAD_COURSE_DB_URL), then run the same "
            "command again: what is saved stays, only the rest is graded.")


def _connect_args(db_url):
    return {"connect_timeout": 10} if db_url.startswith("postgresql") else {}


def snapshot(db_url, dest):
    """Copy the gradebook at db_url into a new SQLite file dest (a consistent copy)."""
    if db_url.startswith("sqlite:///"):
        with contextlib.closing(sqlite3.connect(db_url[len("sqlite:///"):])) as source, \
                contextlib.closing(sqlite3.connect(dest)) as copy:
            source.backup(copy)
        return
    from nbgrader.api import Base, Gradebook
    from sqlalchemy import create_engine, select

    with Gradebook(f"sqlite:///{dest}"), warnings.catch_warnings():  # nbgrader's tables
        warnings.simplefilter("ignore")
    source = create_engine(db_url, connect_args=_connect_args(db_url))
    copy = create_engine(f"sqlite:///{dest}")
    try:
        # One read-only transaction: every table as of the same moment.
        with source.connect() as src, copy.begin() as dst:
            if db_url.startswith("postgresql"):
                src.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            for table in reversed(Base.metadata.sorted_tables):
                dst.execute(table.delete())
            for table in Base.metadata.sorted_tables:
                rows = [dict(row._mapping) for row in src.execute(select(table))]
                if rows:
                    dst.execute(table.insert(), rows)
    finally:
        source.dispose()
        copy.dispose()


def create_students(gradebook, students, attempts=5):
    """Create the students not yet in the gradebook (an nbgrader Gradebook), tolerating another
    grader creating the same ones at the same moment."""
    from nbgrader.api import InvalidEntry

    for student in students:
        for attempt in range(attempts):
            try:
                gradebook.update_or_create_student(student)
                break
            except InvalidEntry:  # created by someone else meanwhile (nbgrader rolled back)
                if attempt == attempts - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))


def copy_submission(source, gb, lesson, student):
    """Copy what autograde wrote for student's submission of lesson in the gradebook source (a
    scratch one) into the gradebook gb, in one transaction: all of it or nothing. Both are
    open nbgrader Gradebooks (opening one costs tens of milliseconds: open them once a batch).

    Copied: the submission's timestamp, each notebook's late penalty, each cell's automatic score
    and comment. A grader's manual scores in gb stay, and a cell with one still needs manual
    grading, as nbgrader's ``SaveAutoGrades`` decides."""
    from nbgrader.api import MissingEntry

    graded = source.find_submission(lesson, student)
    notebooks = {nb.name: (nb.late_submission_penalty,
                           {g.name: g.auto_score for g in nb.grades},
                           {c.name: c.auto_comment for c in nb.comments})
                 for nb in graded.notebooks}
    try:
        try:
            submission = gb.find_submission(lesson, student)
        except MissingEntry:
            submission = _new_submission(gb, lesson, student)
        submission.timestamp = graded.timestamp
        for nb in submission.notebooks:
            nb.late_submission_penalty, scores, comments = notebooks[nb.name]
            for grade in nb.grades:
                grade.auto_score = scores[grade.name]
                grade.needs_manual_grade = (grade.manual_score is not None
                                            or grade.auto_score is None)
            for comment in nb.comments:
                comment.auto_comment = comments[comment.name]
        gb.db.commit()
    except BaseException:
        with contextlib.suppress(Exception):  # a database gone cannot roll back either
            gb.db.rollback()
        raise


def _new_submission(gb, lesson, student):
    """A new submission with an empty grade and comment per cell, as nbgrader's
    ``Gradebook.add_submission`` makes it, but not committed."""
    from nbgrader.api import Comment, Grade, SubmittedAssignment, SubmittedNotebook

    assignment, student = gb.find_assignment(lesson), gb.find_student(student)
    with gb.db.no_autoflush:  # nothing is written before the submission is whole
        submission = SubmittedAssignment(assignment=assignment, student=student)
        for notebook in assignment.notebooks:
            nb = SubmittedNotebook(notebook=notebook, assignment=submission)
            for cell in notebook.grade_cells:
                Grade(cell_id=cell.id, notebook=nb)
            for cell in notebook.solution_cells:
                Comment(cell_id=cell.id, notebook=nb)
            for cell in notebook.task_cells:
                Comment(cell_id=cell.id, notebook=nb)
                Grade(cell_id=cell.id, notebook=nb)
        gb.db.add(submission)
    gb.db.flush()  # the cells' names are read through their ids
    return submission
