"""Where the CPU goes when `autograd-course grade` runs on a local Dask cluster.

    python -m benchmarks.grading_cpu                      # 16 submissions, 2 workers, HEAD
    python -m benchmarks.grading_cpu --rev 64a62cc        # the code of another revision
    python -m benchmarks.grading_cpu --submissions 8 --workers 1
    python -m benchmarks.grading_cpu --idle 30         # an idle local cluster: Dask's own work

CPU time, unlike wall-clock time, changes little when other work loads the machine, so this is
the measure to use on a busy machine. The scratch course is `benchmarks.grading`'s (lesson
02_tensors, half the submissions solved, half untouched); the code is `git archive REV` of
autograd_lib and autograd_course, as there. A first run grades one submission (it computes the
judge's references, cached after); then `grade --force --jobs W` grades them all, and while it
runs every process under it is sampled from /proc every --interval seconds (user + system CPU,
per thread where a thread says what it does), sorted into kinds:

* client: the `grade` process, its main thread (preflight, results, gradebook writes,
  progress) apart from its other threads, which are those of the local cluster it holds: Dask's
  event loop ("IO loop": the scheduler, the nannies, the client's side of Dask) and helpers;
* worker: each Dask worker process, its task thread ("Dask-Default-Threads") apart from its
  event loop (the main thread) and its helpers ("Profile": Dask's statistical profiler, ...);
* forkserver: the worker's multiprocessing forkserver (imports nbgrader once);
* nbgrader: a process forked from the forkserver for one student (nbgrader autograde, the
  judge in the grader's process);
* kernel: everything under that process (bubblewrap, the student's sandboxed kernel).

Threads are named for the run by a `sitecustomize` module put first on PYTHONPATH (Python 3.11
does not give the OS its threads' names). Sampling misses the last moments of each process
(up to an interval) and processes shorter than one. As a check, the total that Linux counts is
printed below the table: this process is made the children's subreaper, so that the run's
orphans are reaped by it too, and `getrusage(RUSAGE_CHILDREN)` then counts every process
reaped; not those killed inside a sandbox's PID namespace once its init (bubblewrap) has gone,
which Linux reaps itself, so it may come out a little below the sampled total.
"""

import argparse
import ctypes
import os
import pathlib
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

from benchmarks import grading as bench

TICK = os.sysconf("SC_CLK_TCK")
PR_SET_CHILD_SUBREAPER = 36
THREAD_NAMES = '''\
import ctypes, re, threading
_prctl = ctypes.CDLL(None).prctl
_run = threading.Thread._bootstrap_inner
def _named(self):
    _prctl(15, re.sub(r"[\\d_-]+", "-", self.name).strip("-").encode()[:15], 0, 0, 0)
    _run(self)
threading.Thread._bootstrap_inner = _named
'''


def freeze(rev, folder):
    """autograd_lib and autograd_course as of rev, in folder."""
    archive = subprocess.run(["git", "archive", rev, "autograd_lib", "autograd_course"],
                             cwd=bench.ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)


def _stat(path):
    """(comm, ppid, CPU seconds) of /proc/.../stat, or None if gone."""
    try:
        with open(path, "rb") as f:
            data = f.read().decode(errors="replace")
    except OSError:
        return None
    comm = data[data.index("(") + 1:data.rindex(")")]
    fields = data[data.rindex(")") + 2:].split()
    return comm, int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Sampler:
    """The CPU seconds of every process (and of the threads of Python processes) under root,
    each the last value seen, sorted into kinds."""

    def __init__(self, root):
        self.root = root
        self.parent = {}  # pid -> ppid, for every pid seen (ppid read once)
        self.kind = {root: "client"}
        self.cpu = {}  # (pid, thread name or None) -> CPU seconds

    def _kind_of(self, pid, ppid):
        up = self.kind.get(ppid)
        if up is None:
            return None
        if up in ("nbgrader", "kernel"):
            return "kernel"
        if up == "forkserver":
            return "nbgrader"
        command = _cmdline(pid)
        if "multiprocessing.forkserver" in command:
            return "forkserver"
        if "resource_tracker" in command:
            return "resource tracker"
        if up == "client" and "spawn_main" in command:
            return "worker"
        return "other" if up.startswith("other") else f"other, under {up}: {command[:40]}"

    def sample(self):
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            pid = int(name)
            if pid not in self.parent:
                stat = _stat(f"/proc/{pid}/stat")
                if stat is None:
                    continue
                self.parent[pid] = stat[1]
                if pid != self.root:
                    kind = self._kind_of(pid, stat[1])
                    if kind is not None:
                        self.kind[pid] = kind
            kind = self.kind.get(pid)
            if kind is None:
                continue
            if kind in ("client", "worker"):  # per thread
                try:
                    tids = os.listdir(f"/proc/{pid}/task")
                except OSError:
                    continue
                for tid in tids:
                    stat = _stat(f"/proc/{pid}/task/{tid}/stat")
                    if stat is not None:
                        thread = "main" if int(tid) == pid else stat[0]
                        key = (pid, tid, thread)
                        self.cpu[key] = stat[2]
            else:
                stat = _stat(f"/proc/{pid}/stat")
                if stat is not None:
                    self.cpu[(pid, None, None)] = stat[2]

    def table(self):
        """{(kind, thread group): CPU seconds}, and {kind: number of processes}."""
        rows, count = {}, {}
        for (pid, _, thread), seconds in self.cpu.items():
            kind = self.kind[pid]
            group = None
            if thread is not None:
                group = thread if thread == "main" else re.sub(r"[\d_-]+$", "", thread)
            rows[(kind, group)] = rows.get((kind, group), 0.0) + seconds
        for pid, kind in self.kind.items():
            if any(p == pid for p, _, _ in self.cpu):
                count[kind] = count.get(kind, 0) + 1
        return rows, count


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def reap_all():
    """Wait for every child (as subreaper: every orphan of the run too)."""
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def measure(course, workers, env, interval):
    """Grade every submission once, sampling; returns (Sampler, total CPU s, wall s)."""
    args = [sys.executable, "-c", bench.GRADE.format(module="autograd_course.grading"), "grade",
            bench.LESSON, "--jobs", str(workers), "--force"]
    reap_all()
    before = children_cpu()
    started = time.perf_counter()
    log = open(course / "grade.log", "w+b")
    process = subprocess.Popen(args, cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT)
    sampler = Sampler(process.pid)
    while process.poll() is None:
        sampler.sample()
        time.sleep(interval)
    wall = time.perf_counter() - started
    log.seek(0)
    output = log.read().decode(errors="replace")
    log.close()
    reap_all()
    if process.returncode != 0:
        sys.exit(f"grade --jobs {workers} failed ({process.returncode}):\n"
                 + "\n".join(output.splitlines()[-30:]))
    return sampler, children_cpu() - before, wall


def idle(seconds, workers):
    """CPU seconds that a local cluster of `workers` (autograd_course.cluster.connect), doing
    nothing, takes in `seconds`: {"grader": s, "workers": s}, with Dask's defaults and with
    cluster.QUIET."""
    import psutil

    from autograd_course import cluster

    me, quiet, found = psutil.Process(), cluster.QUIET, {}
    for label, settings in (("Dask's defaults", {}), ("cluster.QUIET", quiet)):
        cluster.QUIET = settings
        try:
            with open(os.devnull, "w") as null, cluster.connect(workers=workers, out=null):
                time.sleep(3)  # started
                processes = [me, *me.children()]
                before = [sum(p.cpu_times()[:2]) for p in processes]
                time.sleep(seconds)
                spent = [sum(p.cpu_times()[:2]) - b for p, b in zip(processes, before)]
        finally:
            cluster.QUIET = quiet
        found[label] = {"grader": spent[0], "workers": sum(spent[1:])}
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rev", default="HEAD", help="the code to grade with (git revision)")
    parser.add_argument("--interval", type=float, default=0.1, help="sampling, seconds")
    parser.add_argument("--idle", type=float, metavar="SECONDS",
                        help="instead: the CPU an idle local cluster of --workers takes in "
                        "SECONDS, with Dask's defaults and with autograd_course.cluster.QUIET")
    args = parser.parse_args(argv)
    if args.idle:
        print(f"| idle local cluster, {args.workers} workers, {args.idle:g} s | grader process "
              "(scheduler, nannies) | worker processes | % of a core |\n|---|---|---|---|")
        for label, cpu in idle(args.idle, args.workers).items():
            share = 100 * (cpu["grader"] + cpu["workers"]) / args.idle
            print(f"| {label} | {cpu['grader']:.2f} s | {cpu['workers']:.2f} s | {share:.1f} |")
        return 0
    n = args.submissions
    if ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed")
    work = pathlib.Path(tempfile.mkdtemp(prefix="agc-grading-cpu-"))
    try:
        (work / "frozen").mkdir()
        freeze(args.rev, work / "frozen")
        bench.FROZEN = str(work / "frozen")
        (work / "hook").mkdir()
        (work / "hook" / "sitecustomize.py").write_text(THREAD_NAMES)
        course = work / "course"
        course.mkdir()
        bench.make_course(course, n)
        env = bench._env(str(work / "hook"))
        subprocess.run([sys.executable, "-c", bench.GRADE.format(module="autograd_course.grading"),
                        "grade", bench.LESSON, "--jobs", "1", "--student", "student-000"],
                       cwd=course, env=env, check=True, capture_output=True)  # references
        load = os.getloadavg()
        sampler, total, wall = measure(course, args.workers, env, args.interval)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rev = subprocess.run(["git", "rev-parse", "--short", args.rev], cwd=bench.ROOT,
                         capture_output=True, text=True).stdout.strip()
    rows, count = sampler.table()
    print(f"{n} submissions of {bench.LESSON}, {args.workers} worker(s), code at {rev}; "
          f"wall {wall:.1f} s (load before: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f})\n")
    print("| process kind | thread | processes | CPU s | CPU s per submission |")
    print("|---|---|---|---|---|")
    order = ["client", "worker", "forkserver", "resource tracker", "nbgrader", "kernel"]
    for kind, group in sorted(rows, key=lambda k: (order.index(k[0]) if k[0] in order
                                                   else len(order), k[0], k[1] != "main",
                                                   str(k[1]))):
        seconds = rows[(kind, group)]
        print(f"| {kind} | {group or ''} | {count.get(kind, '')} | {seconds:.2f} | "
              f"{seconds / n:.3f} |")
    seen = sum(rows.values())
    print(f"| **total** (sampled) | | | {seen:.2f} | {seen / n:.3f} |")
    print(f"\ngetrusage(RUSAGE_CHILDREN): {total:.2f} s, {total / n:.3f} s per submission")
    return 0


if __name__ == "__main__":
    sys.exit(main())
