"""Sandboxed grading kernels for nbgrader: student code runs with no rights of the instructor.

nbgrader runs each submission in a Jupyter kernel started with the grader's own rights: without
this module a submission could read ``solutions/`` and the hidden tests, write into
``gradebook.db``, open network connections or eat all the memory. ``nbgrader_config.py`` makes
``nbgrader autograde`` (and the formgrader's Autograde button, which runs the same code) use
:class:`SandboxedExecute` instead of nbgrader's ``Execute``; its kernels are started by
:class:`SandboxedKernelManager` inside a sandbox that :class:`Sandbox` describes, configured in
``nbgrader_config.py`` as ``c.Sandbox.<option>``:

* **bwrap** (the default where bubblewrap runs): a new mount namespace that holds only the
  Python environment, the system's libraries (``/usr``), the course's public files (``course/``,
  ``autograd_lib``, ``autograd_course``) and the notebook's own folder, all read-only; a
  ``/tmp`` (also the kernel's ``HOME``) on a small tmpfs; new PID, network, IPC and UTS
  namespaces (no network at all, loopback included: the kernel talks to nbgrader over ZMQ on
  Unix sockets, ``transport = "ipc"``, in a scratch folder bound into the sandbox); an empty
  environment (the grader's variables, tokens included, stay outside). Run as root, bubblewrap
  needs no user namespace and the kernel then runs as a fresh unprivileged uid (``setpriv``),
  so that the process limit counts its processes only; run as another user, bubblewrap makes a
  user namespace, in which the process limit counts the kernel's processes only, too.
* **setpriv** (root, no bubblewrap): the kernel runs as a fresh unprivileged uid, with the
  same limits. Weaker: files are protected by their Unix permissions only, and the network is
  open; the course's secret files must not be readable by other users (checked: grading
  refuses to start otherwise) and a warning says what is not enforced.
* **none**: no sandbox, only the limits that do not depend on one. Never chosen silently:
  with ``mode = "auto"`` and no way to sandbox, grading refuses to run unless the instructor
  sets ``c.Sandbox.allow_unsandboxed = True`` (or the environment variable
  ``AUTOGRAD_COURSE_UNSANDBOXED=1``), and then warns why.

In every mode the kernel starts through ``autograd_course/kernel_launcher.py``, which sets the
resource limits (address space 2 GiB, CPU time, processes, file size, open files; all
configurable) and dies with its parent. A kernel that outlives its time limit and ignores the
interrupt, or dies (``os._exit``, a crash, its CPU limit), stops the notebook there: the
remaining cells are marked "not run" with the reason (so their tests score nothing, and the
feedback says why), the exercises before it keep their points, and grading goes on with the
next student.
"""

import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import uuid

from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import Execute, OverwriteCells
from traitlets import Bool, CaselessStrEnum, Integer, List, TraitType, Unicode, default
from traitlets.config import LoggingConfigurable

UNSANDBOXED_ENV = "AUTOGRAD_COURSE_UNSANDBOXED"
LAUNCHER = pathlib.Path(__file__).with_name("kernel_launcher.py")
PACKAGE_DIR = pathlib.Path(__file__).resolve().parent
# System folders a Python kernel needs, read-only (missing ones are skipped; on a merged-/usr
# system, /bin, /lib ... are symbolic links into /usr and are recreated as such).
SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]
SYSTEM_FILES = [  # from /etc, only what Python, NumPy and Matplotlib read
    "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
    "/etc/alternatives", "/etc/fonts", "/etc/mime.types", "/etc/nsswitch.conf",
]
# The environment a sandboxed kernel gets (the grader's own variables stay outside).
PASS_ENV = ["LANG", "LC_ALL", "LC_CTYPE", "TZ", "NBGRADER_EXECUTION",
            "PYDEVD_DISABLE_FILE_VALIDATION", "JPY_SESSION_NAME"]  # no JPY_PARENT_PID: the
# kernel would see bubblewrap's init as its parent and quit; it dies with its parent anyway
SANDBOX_ENV = {
    "HOME": "/tmp", "TMPDIR": "/tmp", "USER": "student", "LOGNAME": "student",
    "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1",
    # The working folder is not on sys.path (Python 3.11+; IPython respects it too): nothing
    # found there can stand in for a module.
    "PYTHONSAFEPATH": "1",
    "MPLCONFIGDIR": "/tmp/.matplotlib",
    # One thread per numerical library: grading runs students side by side, and every thread
    # reserves address space that counts against the memory limit.
    "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2",
}
UID_BASE = 0x7F000000  # fresh uids for root's kernels: 2130706432 + (pid, counter); < 2**31


def course_packages():
    """{name: folder} of the autograd_lib and autograd_course that this grader imported: the
    ones a grading kernel must import too, whatever the install (editable from another folder,
    site-packages, PYTHONPATH)."""
    import autograd_lib

    return {"autograd_course": str(PACKAGE_DIR),
            "autograd_lib": str(pathlib.Path(autograd_lib.__file__).resolve().parent)}


class SandboxUnavailable(RuntimeError):
    """No sandbox can be set up and running without one was not allowed."""


class ByteSize(TraitType):
    """A size in bytes: an integer, or a string such as "2G", "512M", "64k" (powers of 1024)."""

    default_value = 0
    info_text = "a size in bytes (an integer, or a string such as '2G', '512M')"
    _UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}

    def validate(self, obj, value):
        if isinstance(value, bool):
            self.error(obj, value)
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            text = value.strip().lower().removesuffix("ib").removesuffix("b")
            number, unit = text, ""
            if text and text[-1] in self._UNITS:
                number, unit = text[:-1], text[-1]
            try:
                return int(float(number) * self._UNITS[unit])
            except (ValueError, KeyError):
                pass
        self.error(obj, value)

    def from_string(self, s):
        return self.validate(None, s)


def _truthy(value):
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def _is_within(path, folder):
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _readable_by_others(path):
    """Whether a user who is neither the owner nor in the group can read path (Unix modes)."""
    path = os.path.realpath(path)
    try:
        st = os.stat(path)
    except OSError:
        return False
    if not st.st_mode & 0o004:
        return False
    parent = os.path.dirname(path)
    while True:
        try:
            if not os.stat(parent).st_mode & 0o001:
                return False
        except OSError:
            return False
        if parent == os.path.dirname(parent):
            return True
        parent = os.path.dirname(parent)


def processes_of_uid(uid):
    """The pids of the processes whose real uid is uid (Linux /proc)."""
    pids = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status") as f:
                for line in f:
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid:
                            pids.append(int(entry.name))
                        break
        except (OSError, ValueError):
            continue
    return pids


def kill_uid(uid):
    """SIGKILL every process of uid (a kernel's leftovers in the setpriv sandbox)."""
    for _ in range(5):
        pids = processes_of_uid(uid)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


class Sandbox(LoggingConfigurable):
    """Where and how grading kernels run. Set in nbgrader_config.py as c.Sandbox.<option>, or on
    nbgrader's command line as --Sandbox.<option>=<value>."""

    mode = CaselessStrEnum(
        ["auto", "bwrap", "setpriv", "none"], default_value="auto",
        help="auto: bubblewrap if it runs here, else (as root) an unprivileged user with "
        "setpriv, else refuse unless allow_unsandboxed. bwrap, setpriv: that one or refuse. "
        "none: no sandbox (only the resource limits); says so in a warning.",
    ).tag(config=True)
    allow_unsandboxed = Bool(
        False,
        help="Grade without a sandbox where none can be set up (with a warning) instead of "
        f"refusing. The environment variable {UNSANDBOXED_ENV}=1 does the same.",
    ).tag(config=True)
    memory = ByteSize(
        2 * 1024**3, help="Address-space limit of a kernel (RLIMIT_AS), bytes or '2G'."
    ).tag(config=True)
    cpu_time = Integer(600, help="CPU-time limit of a kernel, seconds (RLIMIT_CPU).").tag(
        config=True)
    processes = Integer(
        64, help="Processes and threads a kernel may run at once (RLIMIT_NPROC, counted for the "
        "sandbox's user only; not applied without a sandbox).",
    ).tag(config=True)
    file_size = ByteSize(64 * 1024**2, help="Largest file a kernel may write (RLIMIT_FSIZE).").tag(
        config=True)
    open_files = Integer(1024, help="Open files of a kernel (RLIMIT_NOFILE).").tag(config=True)
    tmp_size = ByteSize(
        256 * 1024**2, help="Size of the kernel's /tmp (its HOME too), a tmpfs (bwrap only)."
    ).tag(config=True)
    public_paths = List(
        Unicode(),
        help="Folders the kernel may read besides its notebook's folder and the Python "
        "environment (default: the course's release folder, autograd_lib, autograd_course).",
    ).tag(config=True)
    extra_read_only_paths = List(
        Unicode(), help="More folders or files to expose read-only (added to public_paths)."
    ).tag(config=True)
    uid_base = Integer(
        UID_BASE, help="Root only: kernels run as uid_base + a per-kernel number, uids that no "
        "one else uses, so that each kernel's process limit counts its own processes only.",
    ).tag(config=True)
    bwrap = Unicode("bwrap", help="The bubblewrap executable.").tag(config=True)
    setpriv = Unicode("setpriv", help="The setpriv executable (util-linux).").tag(config=True)
    scratch_root = Unicode(
        help="Where kernels' scratch folders (connection file, sockets) go; short paths only "
        "(Unix socket paths are limited to 107 bytes). Default: /tmp."
    ).tag(config=True)

    @default("public_paths")
    def _public_paths_default(self):
        paths = [str(PACKAGE_DIR)]
        try:
            import autograd_lib

            paths.append(str(pathlib.Path(autograd_lib.__file__).resolve().parent))
        except ImportError:
            pass
        release = self._course_path("release_directory")
        if release:
            paths.append(release)
        return paths

    @default("scratch_root")
    def _scratch_root_default(self):
        if os.path.isdir("/tmp") and os.access("/tmp", os.W_OK | os.X_OK):
            return "/tmp"
        return tempfile.gettempdir()

    # -- the course's secrets, from nbgrader's configuration -----------------------------------

    def _course_config(self):
        return self.config.get("CourseDirectory", {})

    def _course_root(self):
        return str(self._course_config().get("root", "") or os.getcwd())

    def _course_path(self, trait):
        defaults = {"release_directory": "release", "source_directory": "source",
                    "submitted_directory": "submitted", "autograded_directory": "autograded",
                    "feedback_directory": "feedback"}
        name = self._course_config().get(trait, defaults[trait])
        return os.path.join(self._course_root(), name) if name else None

    def secret_paths(self):
        """What a submission must never read: the solutions, the gradebook, the others' work."""
        paths = [self._course_path(t) for t in ("source_directory", "submitted_directory",
                                                 "autograded_directory", "feedback_directory")]
        db_url = self._course_config().get("db_url", "")
        if db_url.startswith("sqlite:///"):
            paths.append(db_url[len("sqlite:///"):])
        elif not db_url:
            paths.append(os.path.join(self._course_root(), "gradebook.db"))
        paths.append(os.path.join(self._course_root(), ".judge-cache"))  # the references
        cache = self.config.get("JudgeExecute", {}).get("cache_dir")
        if cache:
            paths.append(cache)
        exchange = self.config.get("Exchange", {}).get("root")
        paths.append(exchange or "/srv/nbgrader/exchange")
        return [p for p in paths if p]

    # -- choosing the mode ---------------------------------------------------------------------

    _probed = {}
    _probe_lock = threading.Lock()

    def unsandboxed_allowed(self):
        return self.allow_unsandboxed or _truthy(os.environ.get(UNSANDBOXED_ENV, ""))

    def resolve(self):
        """The mode kernels will run in: 'bwrap', 'setpriv' or 'none'. Raises SandboxUnavailable
        (with the reasons) when no sandbox can be set up and running without one is not allowed.
        Warns, once per process, when the mode leaves something unenforced."""
        key = (self.mode, self.bwrap, self.setpriv, os.geteuid(), self.unsandboxed_allowed(),
               self._course_root())
        with self._probe_lock:
            if key not in self._probed:
                self._probed[key] = self._resolve()
            mode, message, level = self._probed[key]
        if level == "error":
            raise SandboxUnavailable(message)
        if level == "warning" and message not in Sandbox._warned:
            Sandbox._warned.add(message)  # once per process, not once per student
            self.log.warning(message)
        return mode

    _warned = set()

    def _resolve(self):
        reasons = []
        if self.mode == "none":
            return "none", (
                "Grading kernels run WITHOUT a sandbox (c.Sandbox.mode = 'none'): submissions can "
                "read the solutions and the gradebook, write anywhere the grader can, and use "
                "the network. Only the memory, CPU-time, file-size and open-file limits apply."
            ), "warning"
        if self.mode in ("auto", "bwrap"):
            ok, why = self._probe("bwrap")
            if ok:
                return "bwrap", "", "ok"
            reasons.append(why)
        if self.mode in ("auto", "setpriv"):
            ok, why = self._probe("setpriv")
            if ok:
                exposed = [p for p in self.secret_paths() if _readable_by_others(p)]
                if exposed:
                    reasons.append(
                        "setpriv: the kernel would run as an unprivileged user, but these are "
                        "readable by any user: " + ", ".join(exposed) + " (make them private: "
                        "chmod -R o-rwx " + " ".join(exposed) + ")"
                    )
                else:
                    return "setpriv", (
                        "Grading kernels run as an unprivileged user with resource limits "
                        "(setpriv), not in a bubblewrap sandbox: the network is not blocked, and "
                        "files are protected by their Unix permissions only (whatever any user "
                        "may read, a submission may read). Install bubblewrap for the full "
                        "sandbox (Debian/Ubuntu: apt-get install bubblewrap)."
                    ), "warning"
            else:
                reasons.append(why)
        why = "; ".join(reasons) or f"mode {self.mode!r}"
        if self.unsandboxed_allowed():
            return "none", (
                f"Grading kernels run WITHOUT a sandbox ({UNSANDBOXED_ENV} or "
                f"c.Sandbox.allow_unsandboxed): no sandbox could be set up ({why}). Submissions "
                "can read the solutions and the gradebook, write anywhere the grader can, and "
                "use the network; only the memory, CPU-time, file-size and open-file limits apply."
            ), "warning"
        fix = "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap)"
        if os.geteuid() != 0:
            fix += ", or grade as root (setpriv)"
        return "none", (
            f"Refusing to grade: no sandbox for the grading kernels could be set up ({why}). "
            "Without one, a submission could read the solutions and the gradebook, write "
            f"anywhere you can, and use the network. To sandbox them, {fix}; to grade without "
            f"a sandbox anyway, set {UNSANDBOXED_ENV}=1 or c.Sandbox.allow_unsandboxed = True."
        ), "error"

    def _probe(self, mode):
        """Start a trivial Python in this mode's sandbox: (works, why not)."""
        tool = self.bwrap if mode == "bwrap" else self.setpriv
        if not shutil.which(tool):
            return False, f"{mode}: {tool} not found"
        if mode == "setpriv" and os.geteuid() != 0:
            return False, "setpriv: switching to another user needs root"
        scratch = tempfile.mkdtemp(prefix="agc-probe-", dir=self.scratch_root)
        try:
            uid = self._fresh_uid()
            if uid is not None:
                os.chown(scratch, uid, uid)
            cwd = str(PACKAGE_DIR)
            cmd = self.command(mode, [sys.executable, "-I", "-S", "-c", "pass"], cwd=cwd,
                               scratch=scratch, uid=uid)
            try:
                result = subprocess.run(cmd, cwd=cwd, env=self.environment(mode, {}),
                                        capture_output=True, text=True, timeout=60)
            except (OSError, subprocess.TimeoutExpired) as e:
                return False, f"{mode}: {e}"
            if result.returncode != 0:
                lines = result.stderr.strip().splitlines() or [f"exit {result.returncode}"]
                hint = ""
                if mode == "setpriv" and "Permission denied" in lines[-1]:
                    hint = (" (the kernel's unprivileged user cannot run this Python: is it in "
                            "a private folder, such as root's home?)")
                return False, f"{mode} fails here: {lines[-1]}{hint}"
            return True, ""
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
            if uid is not None:
                kill_uid(uid)

    # -- the command line ----------------------------------------------------------------------

    _uid_counter = 0

    def _fresh_uid(self):
        """Root only: a uid no one uses, for one kernel (None when not root)."""
        if os.geteuid() != 0:
            return None
        Sandbox._uid_counter += 1
        for _ in range(64):
            uid = self.uid_base + ((os.getpid() % (1 << 20)) << 4) + Sandbox._uid_counter % 16
            if not processes_of_uid(uid):
                return uid
            Sandbox._uid_counter += 1
        return uid

    def limits(self, mode):
        args = [f"--memory={self.memory}", f"--cpu={self.cpu_time}",
                f"--file-size={self.file_size}", f"--open-files={self.open_files}"]
        if mode != "none":  # without a sandbox RLIMIT_NPROC would count all the user's processes
            args.append(f"--processes={self.processes}")
        return args

    def read_only_paths(self):
        """The Python environment and the course's public files (real paths, existing ones).
        Besides the prefixes, the environment is every folder on sys.path (site-packages,
        folders that .pth files add), except the current folder and any folder that holds a
        secret (an editable install may put the course's root there: the packages it needs
        from it, autograd_lib and autograd_course, are public paths anyway)."""
        paths = []

        def add(p):
            for q in (os.path.abspath(p), os.path.realpath(p)):
                if os.path.exists(q) and q not in paths:
                    paths.append(q)

        for p in [sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix,
                  os.path.dirname(os.path.realpath(sys.executable)),
                  *course_packages().values(), *self.public_paths, *self.extra_read_only_paths]:
            add(p)
        cwd = os.path.realpath(os.getcwd())
        secrets = [s for s in self.secret_paths() if os.path.exists(s)]
        for p in sys.path:
            if not p or not os.path.isabs(p) or not os.path.isdir(p):
                continue
            if os.path.realpath(p) == cwd or any(_is_within(s, p) for s in secrets):
                continue
            if os.path.exists(os.path.join(p, "nbgrader_config.py")):
                continue  # a course's root (another checkout's): its solutions are secrets too
            if not any(_is_within(p, q) for q in paths):
                add(p)
        return paths

    def check_exposure(self, paths):
        """Refuse to bind a folder that holds a secret (say, a virtual environment at the
        course's root)."""
        for p in paths:
            for secret in self.secret_paths():
                if os.path.exists(secret) and _is_within(secret, p):
                    raise SandboxUnavailable(
                        f"the sandbox would expose {secret} (inside {p}, which it reads as part "
                        "of the Python environment or the course's public files); move one of "
                        "them, or change c.Sandbox.public_paths / extra_read_only_paths"
                    )

    def command(self, mode, cmd, cwd, scratch, uid=None):
        """The command line that runs cmd (a kernel) in this mode's sandbox."""
        launcher = [sys.executable, "-I", "-S", str(LAUNCHER), *self.limits(mode), "--"]
        drop = []
        if uid is not None:
            drop = [self.setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                    "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
        if mode == "none":
            return launcher + list(cmd)
        if mode == "setpriv":
            return drop + launcher + list(cmd)
        ro = self.read_only_paths()
        self.check_exposure(ro)
        args = [self.bwrap, "--die-with-parent", "--new-session",
                "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                "--unshare-cgroup-try", "--hostname", "grader"]
        if uid is None:
            args.append("--unshare-user")  # unprivileged bubblewrap: a user namespace
        else:
            # bubblewrap run by root needs no user namespace; keep what setpriv needs to switch
            # to the kernel's own unprivileged uid, nothing more.
            args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                     "--cap-add", "CAP_SETPCAP"]
        for d in SYSTEM_DIRS:
            if os.path.islink(d):
                args += ["--symlink", os.readlink(d), d]
            elif os.path.isdir(d):
                args += ["--ro-bind", d, d]
        args += ["--proc", "/proc", "--dev", "/dev",
                 "--perms", "1777", "--size", str(self.tmp_size), "--tmpfs", "/tmp"]
        cwd = os.path.abspath(cwd)
        # The folders above what is bound: bubblewrap would make them 0700 (root's), which the
        # kernel's user could not cross.
        mounted = {"/", "/tmp", "/proc", "/dev", *SYSTEM_DIRS}
        parents = set()
        system_files = [f for f in SYSTEM_FILES if os.path.exists(f)]
        for p in [*ro, cwd, scratch, *system_files]:
            parent = os.path.dirname(p)
            while parent not in mounted and parent != os.path.dirname(parent):
                parents.add(parent)
                parent = os.path.dirname(parent)
        for parent in sorted(parents, key=lambda q: q.count(os.sep)):
            args += ["--perms", "0755", "--dir", parent]
        for p in [*system_files, *ro]:
            args += ["--ro-bind", p, p]
        args += ["--ro-bind", cwd, cwd, "--bind", scratch, scratch, "--chdir", cwd,
                 "--remount-ro", "/"]
        return args + ["--"] + drop + launcher + list(cmd)

    def environment(self, mode, env):
        """The kernel's environment: a few of the grader's variables, the sandbox's own."""
        if mode == "none":
            return dict(env or os.environ)
        source = env or os.environ
        result = {k: source[k] for k in PASS_ENV if k in source}
        result.setdefault("LANG", "C.UTF-8")
        result.update(SANDBOX_ENV)
        bin_dirs = [os.path.join(sys.prefix, "bin"), os.path.dirname(sys.executable)]
        result["PATH"] = os.pathsep.join(dict.fromkeys(bin_dirs + ["/usr/local/bin", "/usr/bin",
                                                                   "/bin"]))
        if mode == "setpriv":  # no private /tmp: a private HOME in the scratch folder instead
            result.update({"HOME": env.get("_SCRATCH_HOME", "/tmp"),
                           "TMPDIR": env.get("_SCRATCH_HOME", "/tmp"),
                           "MPLCONFIGDIR": os.path.join(env.get("_SCRATCH_HOME", "/tmp"),
                                                        ".matplotlib")})
        return result


class SandboxedKernelManager(AsyncKernelManager):
    """Starts the kernel in the sandbox that c.Sandbox configures, talking to it over ZMQ on
    Unix sockets (transport "ipc") in a scratch folder that only this kernel and the grader
    see. Interrupts go as messages on the control channel (signals cannot cross into bubblewrap's
    PID namespace), and shutting down removes the scratch folder and any process left behind."""

    sandbox_mode = Unicode("")
    scratch = Unicode("")
    kernel_uid = Integer(None, allow_none=True)
    kernel_log = Unicode("")

    @default("transport")
    def _transport_default(self):
        return "ipc"

    async def _async_pre_start_kernel(self, **kw):
        sandbox = Sandbox(parent=self)
        self.sandbox_mode = sandbox.resolve()  # may raise SandboxUnavailable
        self._sandbox = sandbox
        if self.sandbox_mode != "none" or not self.scratch:
            self.transport = "ipc"
            self.kernel_uid = sandbox._fresh_uid() if self.sandbox_mode != "none" else None
            if self.kernel_uid is not None:
                kill_uid(self.kernel_uid)
            self.scratch = tempfile.mkdtemp(prefix="agc-", dir=sandbox.scratch_root)
            self.connection_file = os.path.join(self.scratch, "kernel.json")
            self.ip = os.path.join(self.scratch, "k")
            if len(self.ip) > 90:
                raise SandboxUnavailable(
                    f"the kernel's socket folder {self.scratch} has too long a path for Unix "
                    "sockets; set c.Sandbox.scratch_root to a short folder (such as /tmp)"
                )
            if self.sandbox_mode == "setpriv":
                os.mkdir(os.path.join(self.scratch, "home"))
            # The packages the grader imported, first on the kernel's path (PYTHONPATH).
            packages = os.path.join(self.scratch, "pkgs")
            os.mkdir(packages)
            for name, folder in course_packages().items():
                os.symlink(folder, os.path.join(packages, name))
            self.kernel_log = os.path.join(self.scratch, "kernel-output.log")
            if self.kernel_uid is not None:
                for path in [self.scratch, os.path.join(self.scratch, "home")]:
                    if os.path.exists(path):
                        os.chown(path, self.kernel_uid, self.kernel_uid)
        return await super()._async_pre_start_kernel(**kw)

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        if self.kernel_uid is not None and os.path.exists(self.connection_file):
            os.chown(self.connection_file, self.kernel_uid, self.kernel_uid)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        mode = self.sandbox_mode
        cwd = kw.get("cwd") or os.getcwd()
        env = dict(kw.get("env") or os.environ)
        if mode == "setpriv":
            env["_SCRATCH_HOME"] = os.path.join(self.scratch, "home")
        kw["env"] = self._sandbox.environment(mode, env)
        path = [os.path.join(self.scratch, "pkgs")]
        if mode == "none" and kw["env"].get("PYTHONPATH"):
            path.append(kw["env"]["PYTHONPATH"])
        kw["env"]["PYTHONPATH"] = os.pathsep.join(path)
        kw["cwd"] = cwd
        cmd = self._sandbox.command(mode, kernel_cmd, cwd=cwd, scratch=self.scratch,
                                    uid=self.kernel_uid)
        # The kernel's own stdout and stderr (not a cell's output) go to a file in the scratch
        # folder, capped by the file-size limit: shown when the kernel dies, not on the grader's
        # terminal, which a submission could otherwise flood.
        log = open(self.kernel_log, "wb")  # noqa: SIM115 (the kernel process keeps it)
        if self.kernel_uid is not None:
            os.chown(self.kernel_log, self.kernel_uid, self.kernel_uid)
        kw.setdefault("stdout", log)
        kw.setdefault("stderr", subprocess.STDOUT)
        self.log.debug("Starting a sandboxed kernel (%s): %s", mode, cmd)
        try:
            return await super()._async_launch_kernel(cmd, **kw)
        finally:
            log.close()

    def lock_scratch(self):
        """Once the kernel has made its sockets: no more files in the scratch folder, which
        lies on the grader's disk (the kernel writes to its own size-capped /tmp instead).
        A hard limit where the kernel runs as a user of its own (a root grader); elsewhere the
        kernel, as the folder's owner, could undo it."""
        if not self.scratch or self.sandbox_mode == "none":
            return
        try:
            if self.kernel_uid is not None:
                os.chown(self.scratch, os.geteuid(), os.getegid())
            os.chmod(self.scratch, 0o711 if self.kernel_uid is not None else 0o500)
        except OSError as e:
            self.log.debug("locking the scratch folder: %s", e)

    async def _async_interrupt_kernel(self):
        """Interrupt by a message on the control channel (ipykernel then signals itself)."""
        if not self.has_kernel:
            return await super()._async_interrupt_kernel()
        msg = self.session.msg("interrupt_request", content={})
        self._connect_control_socket()
        self.session.send(self._control_socket, msg)

    interrupt_kernel = _async_interrupt_kernel  # AsyncKernelManager's public names are async

    async def _async_cleanup_resources(self, restart=False):
        # What the kernel said and how it ended, for exit_description() after the scratch
        # folder (where its output is) is gone.
        self._last_words = self._kernel_output_tail()
        process = getattr(self.provisioner, "process", None)
        self._exit_code = process.poll() if process is not None else None
        await super()._async_cleanup_resources(restart=restart)
        if self.kernel_uid is not None:
            kill_uid(self.kernel_uid)
        if self.scratch and not restart:
            try:
                os.chmod(self.scratch, 0o700)
            except OSError:
                pass
            shutil.rmtree(self.scratch, ignore_errors=True)

    cleanup_resources = _async_cleanup_resources

    def _kernel_output_tail(self):
        """The last lines the kernel process wrote (not ipykernel's start-up banner)."""
        try:
            with open(self.kernel_log, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - 2000))
                text = f.read().decode("utf-8", "replace").strip()
        except OSError:
            return getattr(self, "_last_words", [])
        lines = text.splitlines()
        # ipykernel's start-up banner ends with the line "--existing <connection file>".
        ends = [i for i, ln in enumerate(lines) if ln.strip().startswith("--existing")]
        return [ln.strip() for ln in lines[ends[-1] + 1 if ends else 0:]
                if ln.strip() and "WARNING |" not in ln]

    def exit_description(self):
        """Why the kernel process ended, in words, with the end of what it wrote."""
        process = getattr(self.provisioner, "process", None)
        code = process.poll() if process is not None else getattr(self, "_exit_code", None)
        if code is None:
            what = "the kernel stopped responding"
        elif code < 0 or code > 128:
            signum = -code if code < 0 else code - 128
            try:
                name = signal.Signals(signum).name
            except ValueError:
                name = f"signal {signum}"
            hint = {
                "SIGXCPU": f" (its CPU-time limit, {Sandbox(parent=self).cpu_time} s, ran out)",
                "SIGKILL": " (killed: out of memory, or its CPU-time limit ran out)",
                "SIGSEGV": " (a crash)",
            }.get(name, "")
            what = f"the kernel was killed by {name}{hint}"
        else:
            what = f"the kernel exited with status {code}"
        lines = self._kernel_output_tail()
        if lines:
            what += "; it last wrote: " + " | ".join(lines[-3:])[-300:]
        return what


def _error_output(ename, evalue):
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"\x1b[0;31m{ename}\x1b[0m: {evalue}"])


class SandboxedExecute(Execute):
    """nbgrader's Execute, with the kernel in the sandbox, and robust to what students hand in:

    * a kernel that dies (``os._exit``, a crash, a resource limit) or ignores the interrupt at
      the time limit is stopped; its cell gets an error saying why, the cells after it an error
      saying they were not run (test cells with an error score nothing; without it a test cell
      that never ran would score full marks), and grading goes on with the next notebook;
    * a cell's output is capped (``max_output_bytes``): printing 100 MB keeps 1 MB and a note;
    * cells run whatever their tags (nbclient skips cells tagged ``skip-execution``: a student
      could tag a test cell so and score its points).
    """

    max_output_bytes = Integer(
        1_000_000, help="Output kept per cell (bytes of text and data); the rest is dropped."
    ).tag(config=True)
    # Not configurable, unguessable: no tag makes a cell skip.
    skip_cells_with_tag = Unicode("autograd-course-never-skip-" + uuid.uuid4().hex)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        self._stopped = None
        self._locked = False
        self._output_bytes = {}
        self._who = ""
        if resources and "nbgrader" in resources:
            info = resources["nbgrader"]
            self._who = f"{info.get('student')}/{info.get('assignment')}/{info.get('notebook')}"
        if not self.error_on_timeout.get("evalue"):  # nbgrader's default says no more than that
            message = f"this cell ran past the time limit ({self.timeout} s) and was stopped"
            self.error_on_timeout = {
                "ename": "CellTimeoutError", "evalue": message,
                "traceback": [f"\x1b[0;31mCellTimeoutError\x1b[0m: {message}"],
            }
        # Refuse before starting anything, with the reason (not a kernel start-up traceback).
        Sandbox(parent=self).resolve()
        try:
            return super().preprocess(nb, resources, km)
        except SandboxUnavailable:
            raise
        except (DeadKernelError, CellTimeoutError, RuntimeError) as e:
            # The kernel did not start (or failed outside a cell): say why, nbgrader reports it.
            km = getattr(self, "_last_km", None)  # nbclient has dropped self.km by now
            why = km.exit_description() if hasattr(km, "exit_description") else ""
            self.log.error("%s: grading stopped: %s%s", self._who, e, f" ({why})" if why else "")
            raise RuntimeError(f"{e} ({why})" if why else str(e)) from e

    def create_kernel_manager(self):
        self._last_km = super().create_kernel_manager()
        return self._last_km

    def preprocess_cell(self, cell, resources, index):
        if not self._locked and hasattr(self.km, "lock_scratch"):
            self.km.lock_scratch()
            self._locked = True
        if cell.cell_type != "code" or not cell.source.strip():
            return cell, resources
        if self._stopped is not None:
            cell.outputs = [_error_output("CellNotRun", f"not run: {self._stopped}")]
            cell.execution_count = None
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            reason = self.km.exit_description() if hasattr(self.km, "exit_description") else (
                "the kernel died")
            self._stop(cell, index, "KernelDied", f"{reason}, while running this cell")
        except CellTimeoutError as e:
            # The time limit passed, the kernel was interrupted and did not stop (a loop in C
            # code, or a submission that ignores SIGINT): stop the kernel.
            self.log.debug("%s", e)
            self._kill_kernel()
            self._stop(cell, index, "CellTimeoutError",
                       f"this cell ran past the time limit ({self.timeout} s) and did not stop "
                       "when interrupted, so its kernel was stopped")
        return cell, resources

    def _stop(self, cell, index, ename, message):
        cell.outputs = list(cell.get("outputs", [])) + [_error_output(ename, message)]
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        where = f"cell {index}" + (f" ({grade_id})" if grade_id else "")
        self._stopped = f"the kernel had stopped in {where}: {message}"
        self.log.error("%s: %s: %s: %s", self._who, where, ename, message)

    def _kill_kernel(self):
        async def kill():
            try:
                await self.km.shutdown_kernel(now=True)
            except Exception as e:  # already gone
                self.log.debug("shutting the kernel down: %s", e)

        from jupyter_core.utils import run_sync

        run_sync(kill)()

    def output(self, outs, msg, display_id, cell_index):
        size = len(json.dumps(msg.get("content", {}), default=str))
        used = self._output_bytes.get(cell_index, 0)
        self._output_bytes[cell_index] = used + size
        if used + size <= self.max_output_bytes:
            return super().output(outs, msg, display_id, cell_index)
        if used <= self.max_output_bytes:  # the first message over the limit: say so, once
            if msg["msg_type"] == "stream":
                room = max(0, self.max_output_bytes - used)
                content = dict(msg["content"], text=msg["content"]["text"][:room])
                super().output(outs, dict(msg, content=content), display_id, cell_index)
            note = NotebookNode(
                output_type="stream", name="stderr",
                text=f"\n[output truncated by the grader: more than {self.max_output_bytes} "
                "bytes]\n")
            outs.append(note)
            self.log.warning("%s: cell %d: output over %d bytes, truncated", self._who,
                             cell_index, self.max_output_bytes)
        return None



class RestoreCells(OverwriteCells):
    """nbgrader's OverwriteCells, whose ``add_missing_cells`` does not crash.

    With ``c.OverwriteCells.add_missing_cells = True``, nbgrader 0.9.6 puts a deleted test cell
    back after the cell before it in the lesson, but fails (``KeyError``, and the student is not
    graded at all) when that cell is gone too, as when a student deletes an exercise's answer
    and its test. This puts it after the nearest earlier cell of the lesson that is still
    there, or first. (Config for OverwriteCells applies to it.)
    """

    def preprocess_cell(self, cell, resources, index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is not None:
            self.restore_flags(cell, grade_id)
        return super().preprocess_cell(cell, resources, index)

    def restore_flags(self, cell, grade_id):
        """Every nbgrader flag (grade, solution, task, locked, points) as the gradebook has it,
        before nbgrader compares checksums (which cover the flags): a student who flips
        "grade": false on a test cell gets the test cell back, not an ungradeable notebook."""
        from nbgrader.api import MissingEntry

        def found(find):
            try:
                return find(grade_id, self.notebook_id, self.assignment_id)
            except MissingEntry:
                return None

        source = found(self.gradebook.find_source_cell)
        if source is None:
            return  # not a cell of the lesson: OverwriteCells drops its grade_id
        meta = cell.metadata.nbgrader
        grade = found(self.gradebook.find_grade_cell)
        should = {"grade": grade is not None,
                  "solution": found(self.gradebook.find_solution_cell) is not None,
                  "task": found(self.gradebook.find_task_cell) is not None,
                  "locked": bool(source.locked)}
        for flag, value in should.items():
            if bool(meta.get(flag, False)) != value:
                self.report_change(grade_id, flag, value, meta.get(flag))
                meta[flag] = value
        if grade is not None:
            meta["points"] = float(grade.max_score)
        else:
            meta.pop("points", None)

    def add_missing_grade_cells(self, nb, resources):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = list(source_nb.source_cells)
        order = [cell.name for cell in source_cells]
        grade_cells = {cell.name: cell for cell in source_nb.grade_cells}
        solution_ids = {cell.name for cell in source_nb.solution_cells}

        def ids(predicate):
            return [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in nb.cells
                    if predicate(cell)]

        graded = set(ids(lambda c: utils.is_grade(c) or utils.is_solution(c)))
        for name in order:
            if name not in grade_cells or name in graded:
                continue
            self.log.warning(f"Missing grade cell {name} encountered, adding to notebook")
            cell = self.missing_cell_transform(
                source_cells[order.index(name)], grade_cells[name].max_score,
                is_solution=name in solution_ids)
            cell["id"] = "restored-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)[:50]
            present = ids(lambda c: True)
            at = 0
            for earlier in reversed(order[:order.index(name)]):
                if earlier in present:
                    at = len(present) - present[::-1].index(earlier)  # after its last copy
                    break
            nb.cells.insert(at, cell)
            graded.add(name)
        return nb, resources
