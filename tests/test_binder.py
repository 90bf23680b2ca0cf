"""Binder's environment, built from binder/ alone, runs the course.

What repo2docker does on mybinder.org, without repo2docker: a scratch copy of the repository (as
repo2docker puts it in the home folder), a fresh virtual environment, `pip install -r
binder/requirements.txt`, then binder/postBuild (the course's package, nbgrader's extensions
for students and the course's language link, the first lesson as the default URL). Then, in that
environment: the pins are what got installed and `pip check` is happy; JupyterLab opens the first
lesson, with the widgets' and nbgrader's student extensions and without nbgrader's instructor
side; the Chinese badge's link switches the interface to Chinese; the Validate
endpoint grades a notebook; `autograd-course check` works; and nbval passes on course/ (lax)
and solutions/ (strict, with tests/notebooks/sanitize.cfg).

Slow (a pip install and every notebook run twice): `pytest -m "not slow"` skips it; `make test`
runs it. The pip install uses pip's cache, so a second run downloads nothing.
"""

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
from browser_helpers import (
    LabServer,
    fill_solutions,
    read_notebook,
    venv_env,
    write_notebook,
)

ROOT = pathlib.Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
SANITIZE = ROOT / "tests" / "notebooks" / "sanitize.cfg"
FIRST_LESSON = "course/01_why_autodiff/01_why_autodiff.ipynb"
INSTRUCTOR_PLUGINS = {
    "@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
}


def _tail(text, lines=60):
    return "\n".join(text.strip().splitlines()[-lines:])


def _canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins():
    """{canonical name: version} of binder/requirements.txt (every line must be name==version)."""
    pins = {}
    for line in (BINDER / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep, f"binder/requirements.txt: {line!r} is not pinned with =="
            pins[_canonical(name.strip())] = version.strip()
    return pins


try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = None


def _pyproject():
    if tomllib is None:
        pytest.skip("reading pyproject.toml needs Python 3.11's tomllib")
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def _runtime_python():
    text = (BINDER / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-(\d+)\.(\d+)", text)
    assert match, f"binder/runtime.txt should read python-X.Y, not {text!r}"
    return int(match[1]), int(match[2])


# -- the files themselves (quick) ---------------------------------------------------------------


def test_binder_files_are_consistent():
    """requirements.txt pins every package of pyproject's `course` extra, inside its range;
    runtime.txt's Python satisfies requires-python; the scripts are executable and parse."""
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet

    project = _pyproject()["project"]
    pins = _pins()
    for spec in project["optional-dependencies"]["course"]:
        req = Requirement(spec)
        name = _canonical(req.name)
        assert name in pins, f"binder/requirements.txt does not pin {req.name} (course extra)"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"binder/requirements.txt pins {req.name}=={pins[name]}, outside the course "
            f"extra's {req.specifier}"
        )
    for dep in project.get("dependencies", []):
        req = Requirement(dep)
        if _canonical(req.name) in pins:
            assert req.specifier.contains(pins[_canonical(req.name)], prereleases=True), dep
    major, minor = _runtime_python()
    assert SpecifierSet(project["requires-python"]).contains(f"{major}.{minor}")
    for script in ("postBuild", "setup-extensions.sh"):
        path = BINDER / script
        assert os.access(path, os.X_OK), f"binder/{script} should be executable (chmod +x)"
        result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, f"binder/{script}: {result.stderr}"


def test_language_link_redirects_only_inside_the_server():
    """autograd_course.lab_language's redirect rule: `next` is a path inside the server, joined
    to its base URL (on Binder /user/<name>/); absolute URLs, //host, /path, \\host, .. and
    control characters are refused (None: the handler answers 400), so the link cannot send a
    student to another site or another user's server."""
    from autograd_course.lab_language import LOCALES, redirect_target

    lesson = "lab/tree/course/01_why_autodiff.zh-CN/01_why_autodiff.zh-CN.ipynb"
    assert redirect_target(lesson, "/user/ada/") == "/user/ada/" + lesson
    assert redirect_target(lesson, "/") == "/" + lesson
    assert redirect_target("lab?reset", "/") == "/lab?reset"
    for bad in ["https://evil.example/", "//evil.example/lab", "/lab/tree/x", "\\\\evil.example",
                "/\\evil.example", "lab\\..\\x", "javascript:alert(1)", "lab/../../ada/lab",
                "lab/tree/x\nSet-Cookie: a=b", "", None]:
        assert redirect_target(bad, "/user/ada/") is None, bad
    assert LOCALES["zh-CN"] == "zh_CN"


def test_binder_enables_the_language_link():
    """postBuild runs setup-extensions.sh, which turns autograd_course.lab_language on in the
    environment's config (as `make lab` does), and the Chinese badges open it."""
    assert "bash binder/setup-extensions.sh" in (BINDER / "postBuild").read_text()
    setup = (BINDER / "setup-extensions.sh").read_text()
    assert '"autograd_course.lab_language": True' in setup
    assert "$(VENV)/.lab" in (ROOT / "Makefile").read_text()
    for readme in ("README.md", "README.zh-CN.md"):
        assert ("urlpath=autograd-course%2Flang%2Fzh-CN%3Fnext%3Dlab%2Ftree%2Fcourse%2F"
                "01_why_autodiff.zh-CN%2F01_why_autodiff.zh-CN.ipynb"
                in (ROOT / readme).read_text(encoding="utf-8")), readme


# -- the environment (slow) ---------------------------------------------------------------------


def _repository_files():
    """The repository's files as a clone would have them (tracked, plus new files not ignored:
    the working tree, not the last commit)."""
    if shutil.which("git") and (ROOT / ".git").exists():
        out = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT, capture_output=True, check=True,
        ).stdout.decode()
        return [p for p in out.split("\0") if p and (ROOT / p).is_file()]
    skip = {".git", ".venv", "test-output", ".pytest_cache", ".hypothesis", ".ruff_cache",
            "__pycache__", "build", "dist"}
    return [
        str(p.relative_to(ROOT)) for p in ROOT.rglob("*")
        if p.is_file() and not skip & set(p.relative_to(ROOT).parts)
        and not p.name.endswith(".egg-info")
    ]


def _run(cmd, cwd, env, timeout=1800):
    return subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
    )


class BinderEnv:
    def __init__(self, home, venv):
        self.home, self.venv = home, venv
        self.python = str(venv / "bin" / "python")
        self.env = venv_env(self.python)

    def run(self, *args, timeout=1800, cwd=None):
        return _run(list(args), cwd=cwd or self.home, env=self.env, timeout=timeout)


@pytest.fixture(scope="module")
def binder(tmp_path_factory):
    major, minor = _runtime_python()
    if sys.version_info[:2] < (major, minor):
        pytest.skip(
            f"Binder's environment is Python {major}.{minor} (binder/runtime.txt); this is "
            f"Python {sys.version_info[0]}.{sys.version_info[1]}"
        )
    tmp = tmp_path_factory.mktemp("binder")
    home = tmp / "home"
    for rel in _repository_files():
        (home / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, home / rel)
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    env = BinderEnv(home, venv)

    result = env.run(env.python, "-m", "pip", "install", "--disable-pip-version-check",
                     "-r", "binder/requirements.txt")
    assert result.returncode == 0, (
        "pip install -r binder/requirements.txt failed:\n" + _tail(result.stdout + result.stderr)
    )
    result = env.run("bash", "binder/postBuild")
    assert result.returncode == 0, (
        "binder/postBuild failed:\n" + _tail(result.stdout + result.stderr)
    )
    env.postbuild_output = result.stdout + result.stderr
    return env


@pytest.mark.slow
def test_environment_is_the_pinned_one(binder):
    result = binder.run(binder.python, "-m", "pip", "check")
    assert result.returncode == 0, "pip check:\n" + result.stdout + result.stderr
    freeze = binder.run(binder.python, "-m", "pip", "list", "--format=json").stdout
    installed = {_canonical(p["name"]): p["version"] for p in json.loads(freeze)}
    for name, version in _pins().items():
        assert installed.get(name) == version, (
            f"{name}: binder/requirements.txt pins {version}, the environment has "
            f"{installed.get(name)}"
        )
    assert "autograd-course" in installed, "postBuild did not install the course's package"


@pytest.mark.slow
def test_jupyterlab_opens_the_first_lesson_student_side(binder, tmp_path):
    """JupyterLab as Binder serves the repository (from its root): `/` leads to the first lesson,
    which opens; the page loads the widgets' and nbgrader's labextensions with the instructor's
    plugins off; nbgrader's instructor endpoints are absent; the Chinese badge's link
    (autograd_course.lab_language) sets the interface's language and leads to the Chinese first
    lesson; Validate grades a notebook."""
    server = LabServer(binder.home, tmp_path / "scratch", python=binder.python, notebook_dir=".")
    try:
        server.start()
        status, location = server.request("/", follow_redirects=False)
        assert status in (301, 302) and location.split("?")[0].endswith(
            "/lab/tree/" + FIRST_LESSON), (
            status, location,
        )
        status, page = server.get("/lab/tree/" + FIRST_LESSON)
        assert status == 200
        config = json.loads(
            re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                      page, re.S)[1]
        )
        extensions = {e["name"] for e in config["federated_extensions"]}
        assert {"@jupyter/nbgrader", "@jupyter-widgets/jupyterlab-manager"} <= extensions
        disabled = set(config.get("disabledExtensions", []))
        assert INSTRUCTOR_PLUGINS <= disabled, disabled
        assert not disabled & {"@jupyter/nbgrader:validate-assignment",
                               "@jupyter/nbgrader:assignment-list"}, disabled

        for path in ("/formgrader", "/formgrader/api/status", "/formgraders"):
            assert server.get(path)[0] == 404, f"{path}: nbgrader's instructor side is on"

        # The Chinese badge's link (autograd_course.lab_language, on): the interface's language
        # saved as the user's setting, then the Chinese first lesson.
        zh_lesson = "lab/tree/course/01_why_autodiff.zh-CN/01_why_autodiff.zh-CN.ipynb"
        status, location = server.request(f"/autograd-course/lang/zh-CN?next={zh_lesson}",
                                          follow_redirects=False)
        assert status == 302 and location == "/" + zh_lesson, (status, location)
        status, body = server.get("/lab/api/settings/@jupyterlab/translation-extension:plugin")
        assert status == 200 and json.loads(body)["settings"]["locale"] == "zh_CN", body
        status, body = server.get("/nbgrader_version?version=0.9.6")
        assert status == 200 and json.loads(body)["success"], body

        # The Validate button's endpoint, on the untouched first lesson: it runs and fails.
        status, body = server.request(
            "/assignments/validate", method="POST", body={"path": FIRST_LESSON}
        )
        assert status == 200, body
        result = json.loads(body)
        assert result["success"], result
        failed = result["value"].get("failed", [])
        assert failed and any("NotImplementedError" in f["raw_error"] for f in failed), result
    finally:
        server.stop()
        print(server.log_tail())


@pytest.mark.slow
def test_console_script(binder, tmp_path):
    scripts = _pyproject()["project"].get("scripts", {})
    if "autograd-course" in scripts:
        command = [str(binder.venv / "bin" / "autograd-course")]
        assert os.access(command[0], os.X_OK), "pip did not install the autograd-course script"
    else:  # until pyproject.toml declares it
        command = [binder.python, "-m", "autograd_course.cli"]

    result = binder.run(*command, "--help")
    assert result.returncode == 0 and "check" in result.stdout, result.stdout + result.stderr

    lesson = "01_why_autodiff"
    untouched = binder.run(*command, "check", lesson, timeout=600)
    assert untouched.returncode == 1, untouched.stdout + untouched.stderr
    assert "TODO" in untouched.stdout and "not answered yet" in untouched.stdout, untouched.stdout

    solved = binder.home / "course" / lesson / "solved.ipynb"
    write_notebook(
        fill_solutions(read_notebook(binder.home / "course" / lesson / f"{lesson}.ipynb"),
                       read_notebook(binder.home / "solutions" / lesson / f"{lesson}.ipynb")),
        solved,
    )
    try:
        result = binder.run(*command, "check", str(solved), timeout=600)
    finally:
        solved.unlink()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAIL" not in result.stdout and "All of" in result.stdout, result.stdout


# nbval on both folders at once (two kernels on two cores): the results, by folder.
@pytest.fixture(scope="module")
def nbval(binder):
    common = ["--nbval-current-env", "--nbval-cell-timeout=300", "-p", "no:cacheprovider",
              "-o", "addopts=", "-q", "--tb=short", "-W", "ignore::DeprecationWarning"]
    sanitize = ["--nbval-sanitize-with", str(SANITIZE)] if SANITIZE.is_file() else []
    runs = {
        "course": ["course", "--nbval-lax", *common],
        "solutions": ["solutions", "--nbval", *sanitize, *common],
    }
    procs = {
        folder: subprocess.Popen(
            [binder.python, "-m", "pytest", *args], cwd=binder.home, env=binder.env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        for folder, args in runs.items()
    }
    results = {}
    for folder, proc in procs.items():
        try:
            out, _ = proc.communicate(timeout=1800)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        results[folder] = (proc.returncode, out)
    return results


def _check_nbval(nbval, folder, mode):
    rc, out = nbval[folder]
    assert rc == 0, f"nbval {mode} on {folder}/ in Binder's environment:\n" + _tail(out)
    passed = re.search(r"(\d+) passed", out)
    assert passed and int(passed[1]) > 0, f"nbval ran no cells in {folder}/:\n" + _tail(out)


@pytest.mark.slow
def test_nbval_course_lax(nbval):
    _check_nbval(nbval, "course", "--nbval-lax")


@pytest.mark.slow
def test_nbval_solutions_strict(nbval):
    _check_nbval(nbval, "solutions", "--nbval")


@pytest.mark.slow
def test_setup_extensions_undo_and_redo(binder):
    """--instructor turns nbgrader's instructor side back on; the default turns it off again."""
    script = str(binder.home / "binder" / "setup-extensions.sh")
    result = binder.run("bash", script)
    assert result.returncode == 0 and "already set up" in result.stdout, result.stdout
    result = binder.run("bash", script, "--instructor")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "formgrader, create assignment, course list" in result.stdout
    result = binder.run("bash", script)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "off: formgrader, create assignment, course list" in result.stdout, result.stdout
