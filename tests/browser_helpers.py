"""Helpers for tests/test_browser.py (and tests/test_binder.py): fill a student notebook with the
instructor's solutions, run a JupyterLab server the way `make lab` does, and drive JupyterLab's
notebook UI with Playwright (headless Chromium)."""

import base64
import copy
import json
import os
import pathlib
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("AUTOGRAD_COURSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = ROOT / "test-output" / "screenshots"

STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")  # nbgrader_config.py's code stub
TEXT_STUB = "YOUR ANSWER HERE"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


# -- notebooks ----------------------------------------------------------------------------------


def read_notebook(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def write_notebook(nb, path):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write("\n")


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def _solution_bodies(source):
    """The lines between each ### BEGIN SOLUTION / ### END SOLUTION pair, in order."""
    bodies, body = [], None
    for line in source.splitlines(keepends=True):
        if "BEGIN SOLUTION" in line:
            body = []
        elif "END SOLUTION" in line:
            bodies.append("".join(body))
            body = None
        elif body is not None:
            body.append(line)
    return bodies


def fill_solutions(student_nb, solution_nb):
    """A copy of the student notebook with each answer filled in as a student would: the
    `# YOUR CODE HERE` / `raise NotImplementedError()` stub replaced by the solution's code
    (what the instructor's cell has between BEGIN and END SOLUTION), matched by grade_id.
    Everything else, the read-only cells and their checksums included, is left as it is."""
    solutions = {
        _nbgrader(c)["grade_id"]: _source(c)
        for c in solution_nb["cells"] if _nbgrader(c).get("solution")
    }
    nb = copy.deepcopy(student_nb)
    filled = 0
    for cell in nb["cells"]:
        meta = _nbgrader(cell)
        if not meta.get("solution"):
            continue
        grade_id = meta.get("grade_id")
        if grade_id not in solutions:
            raise ValueError(f"solution cell {grade_id!r} is not in the instructor's notebook")
        bodies = _solution_bodies(solutions[grade_id])
        source = _source(cell)
        if cell["cell_type"] == "markdown":
            cell["source"] = source.replace(TEXT_STUB, bodies[0] if bodies else solutions[grade_id])
            filled += 1
            continue
        lines, out, i = source.splitlines(keepends=True), [], 0
        while i < len(lines):
            if (i + 1 < len(lines) and lines[i].strip() == STUB[0]
                    and lines[i + 1].strip() == STUB[1]):
                if not bodies:
                    raise ValueError(f"{grade_id}: more stubs than solutions")
                body = bodies.pop(0)
                out.append(body if body.endswith("\n") or i + 2 >= len(lines) else body + "\n")
                i += 2
            else:
                out.append(lines[i])
                i += 1
        if bodies:
            raise ValueError(f"{grade_id}: no `{STUB[1]}` stub left for a solution")
        cell["source"] = "".join(out).rstrip("\n")
        filled += 1
    if not filled:
        raise ValueError("no solution cells to fill")
    return nb


def stored_outputs(nb):
    """All outputs stored in a notebook (the instructor's executed notebook)."""
    return [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]


def widget_count(nb):
    """How many widgets the executed notebook displays (outputs with a widget view)."""
    return sum(WIDGET_MIME in o.get("data", {}) for o in stored_outputs(nb))


def svg_op_names(nb):
    """The graph nodes' names (e.g. PowBackward0) in the SVG pictures the notebook displays."""
    import re

    names = set()
    for o in stored_outputs(nb):
        svg = o.get("data", {}).get("image/svg+xml")
        if svg:
            svg = "".join(svg) if isinstance(svg, list) else svg
            names.update(re.findall(r"\b[A-Z][A-Za-z]*Backward\d+\b", svg))
    return names


def error_outputs(nb):
    """(cell index, 'Name: message') for each error or stderr output of a saved notebook."""
    found = []
    for i, cell in enumerate(nb["cells"]):
        for o in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            if o.get("output_type") == "error":
                found.append((i, f"{o.get('ename')}: {o.get('evalue')}"))
            elif o.get("output_type") == "stream" and o.get("name") == "stderr":
                found.append((i, "stderr: " + "".join(o.get("text", ""))[:500]))
    return found


# -- the JupyterLab server ----------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def venv_env(python=sys.executable, **extra):
    """os.environ with the given interpreter's bin/ first on PATH (as `make` runs .venv/bin/...)."""
    env = dict(os.environ)
    env["PATH"] = str(pathlib.Path(python).parent) + os.pathsep + env.get("PATH", "")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    env.update(extra)
    return env


def setup_extensions(python=sys.executable):
    """binder/setup-extensions.sh in the given interpreter's environment, as `make lab` and
    Binder's postBuild run it (idempotent; quick when already done)."""
    result = subprocess.run(
        ["bash", str(ROOT / "binder" / "setup-extensions.sh")], env=venv_env(python),
        capture_output=True, text=True, timeout=600,
    )
    if result.returncode != 0:
        raise RuntimeError("binder/setup-extensions.sh failed:\n" + result.stdout + result.stderr)
    return result.stdout


class LabServer:
    """`jupyter lab` as `make lab` starts it (`--notebook-dir=course` from the folder that holds
    course/ and nbgrader_config.py, `--allow-root` as root), on a free port with a random token
    and no browser, in its own process group. Personal Jupyter settings stay out: empty config,
    data and runtime folders, and JupyterLab's user settings and workspaces in the scratch folder
    (with the news pop-up off). stop() ends the whole process group, always."""

    def __init__(self, root, scratch, python=sys.executable, notebook_dir="course",
                 log_name="jupyterlab.log", app_settings_dir=None, extra_args=(), unset_env=()):
        self.root = pathlib.Path(root)
        self.extra_args = list(extra_args)  # more options for `jupyter lab`
        self.unset_env = tuple(unset_env)  # variables left out of the server's environment
        # The shipped settings `make lab LANG=...` passes (binder/lab-settings/<lang>), or None.
        self.app_settings_dir = app_settings_dir
        self.notebook_dir = notebook_dir
        self.scratch = pathlib.Path(scratch)
        self.python = python
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.scratch / log_name
        self.proc = None

    def command(self):
        jupyter = pathlib.Path(self.python).parent / "jupyter"
        cmd = [
            str(jupyter), "lab", f"--notebook-dir={self.notebook_dir}", f"--port={self.port}",
            "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0",
            f"--ServerApp.token={self.token}", "--no-browser",
            f"--LabApp.user_settings_dir={self.scratch / 'lab-settings'}",
            f"--LabApp.workspaces_dir={self.scratch / 'lab-workspaces'}",
        ]
        if self.app_settings_dir is not None:
            cmd.append(f"--LabApp.app_settings_dir={pathlib.Path(self.app_settings_dir).resolve()}")
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        return cmd + self.extra_args

    def start(self, timeout=120):
        for d in ("config", "data", "runtime", "lab-workspaces"):
            (self.scratch / d).mkdir(parents=True, exist_ok=True)
        settings = self.scratch / "lab-settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True, exist_ok=True)
        (settings / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False})
        )
        env = venv_env(
            self.python,
            JUPYTER_CONFIG_DIR=str(self.scratch / "config"),
            JUPYTER_DATA_DIR=str(self.scratch / "data"),
            JUPYTER_RUNTIME_DIR=str(self.scratch / "runtime"),
        )
        for name in ("JUPYTER_CONFIG_PATH", "JUPYTER_PATH", *self.unset_env):
            env.pop(name, None)
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            self.command(), cwd=self.root, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"jupyter lab exited with status {self.proc.returncode}:\n{self.log_tail()}"
                )
            try:
                status, _ = self.get("/api/status")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"jupyter lab did not answer within {timeout} s:\n{self.log_tail()}")

    def stop(self):
        """SIGTERM to the server's process group (the server shuts its kernels down), then
        SIGKILL to the group if it is still there after 20 s."""
        if self.proc is None:
            return
        try:
            pgid = os.getpgid(self.proc.pid)
        except ProcessLookupError:
            pgid = None
        if pgid is not None and self.proc.poll() is None:
            os.killpg(pgid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        if pgid is not None:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=10)
        self._log.close()

    def log_tail(self, lines=40):
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def request(self, path, method="GET", body=None, follow_redirects=True):
        """(HTTP status, body) of a request to the server, with the token; for a redirect not
        followed, (status, the Location header)."""
        url = self.url + path
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            url, data=data, method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        opener = urllib.request.build_opener(*([] if follow_redirects else [_NoRedirect()]))
        try:
            with opener.open(req, timeout=30) as r:
                return r.status, r.read().decode(errors="replace")
        except urllib.error.HTTPError as e:
            if 300 <= e.code < 400 and not follow_redirects:
                return e.code, e.headers.get("Location", "")
            return e.code, e.read().decode(errors="replace")

    def get(self, path):
        return self.request(path)

    def lab_url(self, path="", reset=True):
        """JupyterLab's URL for a path; reset: start from an empty workspace (no tabs left open
        by an earlier page)."""
        query = ("reset&" if reset else "") + f"token={self.token}"
        return f"{self.url}/lab/tree/{urllib.parse.quote(path)}?{query}"

    def shutdown_kernels(self):
        """Shut down every kernel (between lessons: only one runs at a time)."""
        status, body = self.get("/api/sessions")
        for session in json.loads(body) if status == 200 else []:
            self.request(f"/api/sessions/{session['id']}", method="DELETE")
        status, body = self.get("/api/kernels")
        for kernel in json.loads(body) if status == 200 else []:
            self.request(f"/api/kernels/{kernel['id']}", method="DELETE")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def copy_course(dest):
    """A scratch copy of what `make lab` serves: course/ and, beside it, nbgrader_config.py
    (which the Validate button's server side reads from the server's working folder)."""
    dest = pathlib.Path(dest)
    shutil.copytree(ROOT / "course", dest / "course",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    if (ROOT / "nbgrader_config.py").is_file():
        shutil.copy2(ROOT / "nbgrader_config.py", dest / "nbgrader_config.py")
    return dest


# -- JupyterLab's UI ----------------------------------------------------------------------------

PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook on show

_KERNEL_READY = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return false;
  const name = panel.querySelector('.jp-NotebookPanel-toolbar .jp-KernelName');
  const status = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  return !!name && name.textContent.trim() !== ''
    && !/No Kernel|无内核/.test(name.textContent)
    && !!status && status.dataset.status === 'idle';
}"""

# 'done' when every code cell with code in it has an execution count ([12]:) and the kernel is
# idle; with stopOnError, 'error' as soon as an error output shows (Run All stops at an error,
# except in cells tagged raises-exception).
_ALL_RAN = """(stopOnError) => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (stopOnError && panel.querySelector(
      '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'))
    return 'error';
  const status = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  if (!status || status.dataset.status !== 'idle') return false;
  for (const cell of panel.querySelectorAll('.jp-Notebook .jp-CodeCell')) {
    const code = cell.querySelector('.jp-InputArea-editor .cm-content');
    const prompt = cell.querySelector('.jp-InputArea-prompt');
    if (code && code.textContent.trim() === '') continue;
    if (!prompt || !/\\[\\d+\\]/.test(prompt.textContent)) return false;
  }
  return 'done';
}"""


def launch_browser(playwright):
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )


def open_notebook(page, server, path, timeout_ms=90_000):
    """Open a notebook in JupyterLab and wait for its kernel to be ready and idle."""
    page.goto(server.lab_url(path))
    page.wait_for_selector(f"{PANEL} .jp-Notebook .jp-Cell >> nth=0", timeout=timeout_ms)
    page.wait_for_function(_KERNEL_READY, timeout=timeout_ms, polling=250)


def menu(page, *labels):
    """Click through the main menu: menu(page, 'Run', 'Run All Cells')."""
    page.click(f"#jp-MainMenu .lm-MenuBar-itemLabel:text-is('{labels[0]}')")
    for label in labels[1:]:
        page.click(f".lm-Menu:visible .lm-Menu-itemLabel:text-is('{label}')")


def run_all(page, stop_on_error=True, timeout_ms=300_000, labels=("Run", "Run All Cells")):
    """Run > Run All Cells (labels: the menu's names in the interface's language), and wait
    until every cell has run: returns 'done', or 'error' as soon as an error shows if
    stop_on_error."""
    menu(page, *labels)
    handle = page.wait_for_function(_ALL_RAN, arg=stop_on_error, timeout=timeout_ms, polling=500)
    return handle.json_value()


def kernel_idle(page):
    return page.eval_on_selector(
        f"{PANEL} .jp-Notebook-ExecutionIndicator", "e => e.dataset.status === 'idle'"
    )


def browser_errors(page):
    """The error (and stderr) outputs JupyterLab shows in the open notebook, as text."""
    return page.eval_on_selector_all(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output'
        '[data-mime-type="application/vnd.jupyter.stderr"]',
        "els => els.map(e => e.textContent.slice(0, 800))",
    )


def rendered_svgs(page):
    """The SVG outputs JupyterLab shows (as <img src="data:image/svg+xml,...">): a list of
    {'svg': the SVG text, 'width': its rendered natural width, 0 if the browser could not draw
    it}. Waits for the images to be decoded."""
    return page.evaluate("""async () => {
      const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
      const imgs = [...panel.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="image/svg+xml"] img')];
      const out = [];
      for (const img of imgs) {
        try { await img.decode(); } catch (e) {}
        const src = img.getAttribute('src') || '';
        const comma = src.indexOf(',');
        const head = src.slice(0, comma), data = src.slice(comma + 1);
        const svg = head.endsWith(';base64') ? atob(data) : decodeURIComponent(data);
        out.push({svg, width: img.naturalWidth});
      }
      return out;
    }""")


def image_bytes(src):
    """The bytes of a data: URL (an output image's src)."""
    head, _, data = src.partition(",")
    if head.endswith(";base64"):
        return base64.b64decode(data)
    return urllib.parse.unquote(data).encode()


def show(page, locator, tries=20):
    """Scroll an element of the notebook into view and wait until it stays there (with
    content-visibility, the cells above it take their real height as they are drawn, which moves
    it)."""
    viewport = page.viewport_size
    for _ in range(tries):
        locator.scroll_into_view_if_needed()
        page.wait_for_timeout(250)
        box = locator.bounding_box()
        if box and 0 <= box["y"] and box["y"] + min(box["height"], 200) <= viewport["height"]:
            return
    raise AssertionError(f"could not scroll {locator} into view")


def screenshot(target, name):
    """Save a screenshot (of a page or an element) as test-output/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    target.screenshot(path=str(path))
    return path
