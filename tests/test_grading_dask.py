"""Grading on a Dask cluster into a PostgreSQL gradebook, with real servers on loopback.

A ``dask scheduler`` and two ``dask worker`` processes, each started as a command of its own,
and a PostgreSQL server started from Debian's binaries (``scripts/postgres.sh``, as an
unprivileged user) in a temporary folder. The submissions are those of tests/test_grading.py
(its lesson, its class), graded by ``autograd-course grade --scheduler tcp://127.0.0.1:PORT``
with ``AUTOGRAD_COURSE_DB_URL=postgresql+psycopg://...``:

* 20 submissions, one worker killed (SIGKILL, its whole process group) midway: the scores are
  those of plain ``nbgrader autograde`` into SQLite, cell by cell, and each submission is
  saved once;
* the grader killed midway, then run again: the second run grades only what the first had not
  saved;
* two graders, on two lessons, at once, into the same database: both complete;
* the PostgreSQL server stopped midway: exit status 3 with a clear message, no half-written
  grades, and the same command, once the server is back, grades the rest.

They need the sandbox (bubblewrap) and PostgreSQL's server (Debian's ``postgresql``): elsewhere
they skip, saying why, unless AUTOGRAD_COURSE_REQUIRE_SANDBOX=1 and
AUTOGRAD_COURSE_REQUIRE_POSTGRES=1 (CI, .ci/run), which make them fail instead.
"""

import glob
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import pytest
from test_grading import (  # the class and the runners of test_grading
    COURSE_ID,
    GRADE,
    LESSON,
    ROOT,
    SUBMISSION_CAP,
    TIMEOUT,
    Class,
    _env,
    _nbgrader,
    _read,
    _tail,
    needs_sandbox,
    session_run,
)

OTHER_LESSON = "06_zero_grad"  # the second grader's lesson
POSTGRES = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
REQUIRE_POSTGRES = os.environ.get("AUTOGRAD_COURSE_REQUIRE_POSTGRES") == "1"
needs_postgres = pytest.mark.skipif(
    not POSTGRES and not REQUIRE_POSTGRES,
    reason="no PostgreSQL server binaries (/usr/lib/postgresql/*/bin; Debian's postgresql "
    "package, which CI installs in .ci/run)")
# Seconds to wait for a server or a run: generous, for a machine busy with other work.
PATIENCE = 900

pytestmark = [pytest.mark.notebooks, pytest.mark.slow, needs_sandbox, needs_postgres]

# 20 submissions of the class that grade in seconds (no time limits to sit through), with
# every kind of score: full, none, partial, restored cells, a dead kernel, cheats, not JSON.
TWENTY = ["correct", "untouched", "edited-tests", "deleted-tests", "deleted-tests-untouched",
          "deleted-answer-and-test", "skip-tag", "stripped-metadata", "exits", "input",
          "hidden-fail", "different-correct", "flip-grade-flag", "control", "cheat-checks-close",
          "cheat-error-hook", "cheat-transformer", "cheat-forge-probes", "leak-error-names",
          "corrupt"]
SIX = ["correct", "untouched", "deleted-tests", "different-correct", "skip-tag",
       "edited-tests"]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(condition, what, timeout=PATIENCE, every=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"waited {timeout} s for {what}")


# -- the servers --------------------------------------------------------------------------------


class Postgres:
    """A PostgreSQL server in a folder of its own (scripts/postgres.sh), on a free port."""

    def __init__(self):
        self.folder = pathlib.Path(tempfile.mkdtemp(prefix="agc-test-pg-"))
        os.chmod(self.folder, 0o755)  # as root, the server runs as `postgres`: it must get in
        self.dir = self.folder / "pg"
        self.port = _free_port()
        self.start()

    def script(self, *args):
        r = subprocess.run(["bash", str(ROOT / "scripts" / "postgres.sh"), *args],
                           env=dict(os.environ, PGPORT=str(self.port)), capture_output=True,
                           text=True, timeout=PATIENCE)
        assert r.returncode == 0, f"postgres.sh {' '.join(args)}: {r.stdout}{r.stderr}"
        return r.stdout.strip()

    def start(self):
        self.url = self.script("start", str(self.dir))
        assert self.url.startswith("postgresql+psycopg://grader:"), self.url

    def stop(self):
        self.script("stop", str(self.dir))

    def copy(self, source, name):
        """A new database, a copy of the database source (PostgreSQL's CREATE DATABASE)."""
        import psycopg

        with psycopg.connect(self._dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        return self.url.rsplit("/", 1)[0] + "/" + name

    def _dsn(self, db):
        return self.url.replace("postgresql+psycopg", "postgresql").rsplit("/", 1)[0] + "/" + db

    def close(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


class Dask:
    """`dask scheduler` and `dask worker` processes, each a command of its own, on loopback."""

    def __init__(self, log_dir):
        self.log_dir = log_dir
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.processes = {}
        self._start("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                  "--no-dashboard"])
        self.client = _wait(self._connect, "the Dask scheduler", every=1)

    def _connect(self):
        from distributed import Client

        try:
            return Client(self.address, timeout="5s")
        except OSError:
            return None

    def _start(self, name, args):
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 (the process keeps it)
        dask = str(pathlib.Path(sys.executable).parent / "dask")
        # A worker process that may start processes (one per student graded): docs/instructor.md
        env = _env(DASK_DISTRIBUTED__WORKER__DAEMON="False")
        self.processes[name] = subprocess.Popen([dask, *args], stdout=log, stderr=log, env=env,
                                                cwd=self.log_dir, start_new_session=True)

    def add_worker(self, name):
        before = len(self.client.scheduler_info()["workers"])
        self._start(name, ["worker", self.address, "--name", name, "--nthreads", "1",
                           "--host", "127.0.0.1", "--no-dashboard"])
        self.client.wait_for_workers(before + 1, timeout=PATIENCE)

    def worker_address(self, name):
        for address, info in self.client.scheduler_info()["workers"].items():
            if info.get("name") == name:
                return address
        return None

    def kill(self, name):
        """SIGKILL a worker and every process it started (its nanny, its grading processes):
        a machine lost."""
        os.killpg(self.processes[name].pid, signal.SIGKILL)
        self.processes.pop(name).wait()

    def close(self):
        self.client.close()
        for process in reversed(list(self.processes.values())):
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture(scope="module")
def postgres():
    pg = Postgres()
    yield pg
    pg.close()


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    cluster = Dask(tmp_path_factory.mktemp("dask-logs"))
    try:
        cluster.add_worker("worker-1")
        cluster.add_worker("worker-2")
        yield cluster
    finally:
        cluster.close()


@pytest.fixture(scope="module")
def pg_template(template, postgres, tmp_path_factory):
    """The course template with a second lesson, both generated by nbgrader into a PostgreSQL
    database (`nbgrader generate_assignment` with AUTOGRAD_COURSE_DB_URL): the database the
    tests' databases are copies of."""
    folder = tmp_path_factory.mktemp("pg-template") / "course"
    shutil.copytree(template, folder, symlinks=True)
    shutil.copytree(ROOT / "solutions" / OTHER_LESSON, folder / "solutions" / OTHER_LESSON)
    postgres.copy("template1", "gradebook_template")
    url = postgres.url.rsplit("/", 1)[0] + "/gradebook_template"
    for lesson_name in (LESSON, OTHER_LESSON):
        _nbgrader(folder, "generate_assignment", lesson_name, "--force",
                  env=_env(AUTOGRAD_COURSE_DB_URL=url))
    return folder


@pytest.fixture(scope="module")
def judge_cache(template, tmp_path_factory):
    """One folder for the judge's references of every course copy here (computed once per
    lesson instead of once per copy): LESSON's are the template's, where it has them."""
    cache = tmp_path_factory.mktemp("judge-cache")
    if (template / ".judge-cache").is_dir():
        shutil.copytree(template / ".judge-cache", cache, dirs_exist_ok=True)
    return cache


def _course(pg_template, postgres, lesson, folder, students, db, judge_cache):
    """A class of `students` (test_grading's submissions) whose gradebook is a database of its
    own on the PostgreSQL server (the other lesson's solution and release beside)."""
    c = Class(pg_template, folder, lesson, students=set(students))
    c.judge_cache = judge_cache
    c.db_url = postgres.copy("gradebook_template", db)
    c.env = _env(AUTOGRAD_COURSE_DB_URL=c.db_url)
    return c


# -- running the grader -----------------------------------------------------------------------


def _grade_args(c, cluster, lesson_name=LESSON, via_environment=False):
    where = [] if via_environment else ["--scheduler", cluster.address]
    return [sys.executable, *GRADE, "grade", lesson_name, *where, "--timeout", str(TIMEOUT),
            "--set", f"JudgeExecute.submission_timeout={SUBMISSION_CAP}",
            "--set", f"JudgeExecute.cache_dir={c.judge_cache}"]


def _start_grader(c, cluster, lesson_name=LESSON, via_environment=False):
    """`autograd-course grade` through the test's scheduler: --scheduler, or with
    via_environment, Dask's DASK_SCHEDULER_ADDRESS."""
    out = open(c.root / f"grader-{lesson_name}-{time.monotonic_ns()}.log", "w+")  # noqa: SIM115
    env = dict(c.env, DASK_SCHEDULER_ADDRESS=cluster.address) if via_environment else c.env
    process = subprocess.Popen(_grade_args(c, cluster, lesson_name, via_environment),
                               cwd=c.root, env=env,
                               stdout=out, stderr=subprocess.STDOUT, text=True)
    process.out = out
    return process


def _finish(process):
    try:
        process.wait(timeout=PATIENCE)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    process.out.seek(0)
    return process.returncode, process.out.read()


def _saved(c, lesson_name=LESSON):
    """The students saved into the gradebook, in order, as grading-logs/<lesson>/saved.log
    lists them (one line per save)."""
    path = c.root / "grading-logs" / lesson_name / "saved.log"
    if not path.exists():
        return []
    return [line.split()[1] for line in path.read_text().splitlines() if line.strip()]


def _scores(db_url, lesson_name=LESSON):
    """{student: (score, max, {test cell: score})} from a gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id=COURSE_ID) as gb:
        return {
            s.student_id: (s.score, s.max_score,
                           {g.name: g.score for nb in s.notebooks for g in nb.grades})
            for s in gb.assignment_submissions(lesson_name)
        }


def _half_written(c, db_url, lesson_name=LESSON):
    """Submissions in the gradebook whose grades are not all there, or without their graded
    notebook in autograded/."""
    from nbgrader.api import Gradebook

    bad = {}
    with Gradebook(db_url, course_id=COURSE_ID) as gb:
        for s in gb.assignment_submissions(lesson_name):
            missing = [g.name for nb in s.notebooks for g in nb.grades if g.auto_score is None]
            notebook = c.root / "autograded" / s.student_id / lesson_name / f"{lesson_name}.ipynb"
            if missing or not notebook.is_file():
                bad[s.student_id] = (missing, notebook.is_file())
    return bad


def _check_expected(c, scores, what):
    wrong = {s: (scores.get(s, (None,))[0], e) for s, e in c.expected.items()
             if e is not None and scores.get(s, (None,))[0] != e}
    assert not wrong, f"{what}: (got, expected): {wrong}"


# -- the tests ----------------------------------------------------------------------------------


def test_scheduler_into_postgres_same_scores_as_plain_nbgrader_with_a_worker_killed(
        pg_template, template, postgres, dask_cluster, lesson, judge_cache,
        tmp_path):
    """20 submissions through the scheduler into PostgreSQL, a worker SIGKILLed midway while it
    grades: every submission saved once, the scores those of plain `nbgrader autograde` into
    SQLite, cell by cell, and the gradebook's other commands (export) work on PostgreSQL.

    The plain run is tests/test_grading.py's (the whole class, these 20 among them, with the
    same options), when this session has it; otherwise these 20 are graded so here, beside."""
    plain = session_run("plain")
    thread = None
    if plain is None:
        plain = Class(template, tmp_path / "plain", lesson, students=set(TWENTY))
        thread = threading.Thread(target=lambda: _nbgrader(
            plain.root, "autograde", LESSON, "--force", f"--Execute.timeout={TIMEOUT}",
            f"--JudgeExecute.submission_timeout={SUBMISSION_CAP}",
            f"--JudgeExecute.cache_dir={judge_cache}", check=False))
        thread.start()
    assert set(plain.expected) >= set(TWENTY)

    c = _course(pg_template, postgres, lesson, tmp_path / "dask", TWENTY, "gradebook_twenty",
                judge_cache)
    grader = _start_grader(c, dask_cluster)
    try:
        _wait(lambda: len(_saved(c)) >= 4 or grader.poll() is not None, "4 submissions saved")
        victim = dask_cluster.worker_address("worker-1")
        busy = _wait(lambda: dask_cluster.client.processing().get(victim) or grader.poll(),
                     "worker-1 at work")
        dask_cluster.kill("worker-1")
        killed_at = len(_saved(c))
        rc, out = _finish(grader)
    finally:
        dask_cluster.add_worker("worker-3")  # for the tests after this one
        if thread is not None:
            thread.join()
    assert killed_at < len(TWENTY) - 1, f"the worker was killed too late: {killed_at} saved"
    assert busy, "worker-1 was grading nothing when it was killed"
    assert rc == 1, f"expected 1 (corrupt is not graded):\n{_tail(out)}"

    saved = _saved(c)
    assert sorted(saved) == sorted(s for s in TWENTY if s != "corrupt"), (
        f"each submission must be saved exactly once: {sorted(saved)}")
    scores = _scores(c.db_url)
    _check_expected(c, scores, "autograd-course grade on Dask into PostgreSQL")
    plain_scores = {s: v for s, v in _scores(f"sqlite:///{plain.root / 'gradebook.db'}").items()
                    if s in TWENTY}
    assert scores == plain_scores, "Dask + PostgreSQL and plain nbgrader + SQLite disagree:\n" + \
        "\n".join(f"{s}: {scores.get(s)} vs {plain_scores.get(s)}"
                  for s in sorted(set(scores) | set(plain_scores))
                  if scores.get(s) != plain_scores.get(s))
    for student in saved:
        assert _read(c.notebook(student))["cells"], student
    assert "NOT graded: corrupt" in out, _tail(out)
    export = _run_export(c)
    assert export.returncode == 0, _tail(export.stdout + export.stderr)
    rows = {line.split(",")[0]: line for line in export.stdout.splitlines()}
    assert rows["correct"].split(",")[4] == f"{lesson.total:g}", export.stdout
    _nbgrader(c.root, "export", env=c.env)  # nbgrader's own, from PostgreSQL too
    exported = (c.root / "grades.csv").read_text()
    assert exported.count(f"{LESSON},") == len(TWENTY), exported


def _run_export(c):
    return subprocess.run([sys.executable, *GRADE, "export"], cwd=c.root, env=c.env,
                          capture_output=True, text=True, timeout=PATIENCE)


def test_grader_killed_midway_then_rerun_grades_only_the_rest(
        pg_template, postgres, dask_cluster, lesson, judge_cache, tmp_path):
    c = _course(pg_template, postgres, lesson, tmp_path / "c", SIX, "gradebook_rerun",
                judge_cache)
    grader = _start_grader(c, dask_cluster)
    _wait(lambda: len(_saved(c)) >= 2 or grader.poll() is not None, "2 submissions saved")
    grader.kill()  # SIGKILL: no chance to clean up
    rc, out = _finish(grader)
    assert rc == -signal.SIGKILL, f"the grader finished before it was killed:\n{_tail(out)}"
    first = _saved(c)
    # What the first run left graded: in the gradebook, with its graded notebook.
    done = {s for s in _scores(c.db_url) if c.notebook(s).is_file()}
    assert set(first) <= done and len(done) < len(SIX), (first, done)

    rerun = _start_grader(c, dask_cluster, via_environment=True)
    rc, out = _finish(rerun)
    assert rc == 0, _tail(out)
    assert f"Grading on the Dask cluster at {dask_cluster.address}" in out, _tail(out)
    second = _saved(c)[len(first):]
    assert sorted(second) == sorted(set(SIX) - done), (
        f"the second run must grade only what was missing: {second}, first run: {done}")
    assert f"{len(done)} of {len(SIX)} submissions of {LESSON} are graded already" in out, out
    assert not _half_written(c, c.db_url)
    _check_expected(c, _scores(c.db_url), "after the rerun")


def test_two_graders_on_two_lessons_into_one_postgres_at_once(
        pg_template, postgres, dask_cluster, lesson, judge_cache, tmp_path):
    students = ["correct", "untouched", "deleted-tests"]
    c = _course(pg_template, postgres, lesson, tmp_path / "c", students, "gradebook_two",
                judge_cache)
    solution = ROOT / "solutions" / OTHER_LESSON / f"{OTHER_LESSON}.ipynb"
    release = c.root / "course" / OTHER_LESSON / f"{OTHER_LESSON}.ipynb"
    other = {"correct": solution, "untouched": release, "late-joiner": solution}
    for student, source in other.items():
        dest = c.root / "submitted" / student / OTHER_LESSON
        dest.mkdir(parents=True)
        shutil.copyfile(source, dest / f"{OTHER_LESSON}.ipynb")
    graders = [_start_grader(c, dask_cluster, LESSON), _start_grader(c, dask_cluster,
                                                                      OTHER_LESSON)]
    outcomes = [_finish(g) for g in graders]
    for rc, out in outcomes:
        assert rc == 0, _tail(out)
    _check_expected(c, _scores(c.db_url), LESSON)
    other_scores = _scores(c.db_url, OTHER_LESSON)
    total = other_scores["correct"][1]
    assert total > 0 and other_scores["correct"][0] == total, other_scores
    assert other_scores["late-joiner"][0] == total, other_scores
    assert other_scores["untouched"][0] == 0, other_scores
    assert sorted(_saved(c, OTHER_LESSON)) == sorted(other), _saved(c, OTHER_LESSON)
    assert sorted(_saved(c)) == sorted(students), _saved(c)


def test_postgres_stopped_midway_clear_error_nothing_half_written(
        pg_template, postgres, dask_cluster, lesson, judge_cache, tmp_path):
    c = _course(pg_template, postgres, lesson, tmp_path / "c", SIX, "gradebook_stopped",
                judge_cache)
    grader = _start_grader(c, dask_cluster)
    try:
        _wait(lambda: _saved(c) or grader.poll() is not None, "a submission saved")
        postgres.stop()
        stopped_at = len(_saved(c))
        rc, out = _finish(grader)
    finally:
        postgres.start()
    assert stopped_at < len(SIX), "every submission was saved before the server stopped"
    assert rc == 3, f"expected 3 (the gradebook is gone):\n{_tail(out)}"
    assert "the gradebook's database" in out and "cannot be reached" in out, _tail(out)
    assert "run the same command again" in out, _tail(out)
    assert "Traceback" not in out, _tail(out)
    assert postgres.url.split(":")[2].split("@")[0] not in out, "the password was printed"
    assert not _half_written(c, c.db_url), _half_written(c, c.db_url)
    assert len(_scores(c.db_url)) == len(_saved(c)) < len(SIX)

    rerun = _start_grader(c, dask_cluster)
    rc, out = _finish(rerun)
    assert rc == 0, _tail(out)
    assert sorted(_saved(c)) == sorted(SIX), _saved(c)
    assert not _half_written(c, c.db_url)
    _check_expected(c, _scores(c.db_url), "after the server came back")
