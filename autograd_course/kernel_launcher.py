"""Start a grading kernel under resource limits: the last step of the sandbox's command line.

    python -I -S kernel_launcher.py --memory BYTES --cpu SECONDS --processes N \
        --file-size BYTES --open-files N -- python -m ipykernel_launcher -f ...

It sets the limits (``setrlimit``), asks to be killed if its parent (nbgrader, or bubblewrap's
init inside the sandbox) goes away, and ``exec``s the kernel, which keeps the limits, as do all
the processes it starts. It runs inside the sandbox, after the switch to the unprivileged user,
with Python's standard library only (``-S``: no site-packages), so it starts in milliseconds.
autograd_course.sandbox builds its command line; nothing else should need to run it.
"""

import argparse
import ctypes
import os
import resource
import signal
import sys

PR_SET_PDEATHSIG = 1

LIMITS = {  # option: (rlimit, what it bounds)
    "memory": (resource.RLIMIT_AS, "address space (bytes)"),
    "cpu": (resource.RLIMIT_CPU, "CPU time (seconds)"),
    "processes": (resource.RLIMIT_NPROC, "processes and threads of this user"),
    "file_size": (resource.RLIMIT_FSIZE, "size of a file written (bytes)"),
    "open_files": (resource.RLIMIT_NOFILE, "open file descriptors"),
}


def _set_limit(name, value):
    limit, _ = LIMITS[name]
    soft, hard = resource.getrlimit(limit)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    if name == "cpu":
        # SIGXCPU at the soft limit (the kernel dies with a clear signal), SIGKILL at the hard
        # one, a few seconds later, should the process ignore SIGXCPU.
        resource.setrlimit(limit, (value, value + 5 if hard == resource.RLIM_INFINITY
                                   else min(value + 5, hard)))
    else:
        resource.setrlimit(limit, (value, value))


def die_with_parent():
    """Ask Linux to kill this process (SIGKILL) when its parent process ends."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def main(argv=None):
    parser = argparse.ArgumentParser(prog="kernel_launcher", description=__doc__)
    for name, (_, what) in LIMITS.items():
        parser.add_argument("--" + name.replace("_", "-"), type=int, default=None,
                            help=f"limit on {what}; 0 or absent: unchanged")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command to run")

    # No core files: a kernel killed for its CPU time must not leave a core dump behind.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for name in LIMITS:
        value = getattr(args, name)
        if value:
            _set_limit(name, value)
    die_with_parent()  # no kernel outlives the grader that started it
    # jupyter_client tells the kernel its parent's pid, to quit when it goes away; inside
    # bubblewrap's PID namespace that pid means nothing and the kernel would quit at once. The
    # parent-death signal above does that job instead.
    os.environ.pop("JPY_PARENT_PID", None)
    # Writing past --file-size raises an error in Python (EFBIG) instead of killing the kernel.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        os.execvp(command[0], command)
    except OSError as e:
        print(f"kernel_launcher: cannot run {command[0]}: {e}", file=sys.stderr)
        return 127


if __name__ == "__main__":
    sys.exit(main())
