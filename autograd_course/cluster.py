"""Where ``autograd-course grade`` runs its work: a Dask cluster (``dask.distributed``).

By default a local cluster, made for the run and closed after it: N worker processes on this
machine (``--jobs N``, default one per CPU), one submission at a time each. With ``--scheduler
tcp://HOST:8786`` (or ``DASK_SCHEDULER_ADDRESS``), an existing cluster, whose workers may run on
other machines (``dask worker tcp://HOST:8786``; docs/instructor.md says what each one needs).

One task per submission. A worker lost midway (its machine down, the process killed) has its
tasks run again on the others by Dask's scheduler; a task whose workers keep dying is given up
after ``distributed.scheduler.allowed-failures`` tries (Dask's default: 3) and reported.

>>> with connect(workers=2) as client:          # doctest: +SKIP
...     for batch in finished([client.submit(pow, 2, 10)]):
...         print([value for future, value in batch])
[1024]
"""

import asyncio
import contextlib
import importlib.util
import logging
import os
import sys

# Dask's periodic work, made rarer on a local cluster. A grading task waits seconds on a
# process of its own, and by default the scheduler, the nannies and the workers each wake up
# dozens of times a second: an idle local cluster of 2 workers took 11% of a core, with these
# settings 1.5% (benchmarks/README.md, "Grading on Dask"), CPU that on a small machine comes
# out of the grading's share. The checks still run, less often (the profiler not at all).
QUIET = {
    "distributed.worker.profile.enabled": False,  # sampling the task's thread's stack, 100/s
    "distributed.admin.tick.interval": "1s",  # the event loop's health check, 50/s
    "distributed.admin.system-monitor.interval": "5s",  # the dashboard's CPU/memory plots, 2/s
    "distributed.worker.memory.monitor-interval": "1s",  # workers' memory limits, 10/s
}


def scheduler_address(given=None):
    """The scheduler to use: --scheduler, else DASK_SCHEDULER_ADDRESS (Dask's own setting),
    else None (a local cluster)."""
    if given:
        return given
    import dask

    return dask.config.get("scheduler-address", None) or None


@contextlib.contextmanager
def connect(address=None, workers=None, out=sys.stderr):
    """A Dask client: of the cluster at address, or of a local cluster of `workers` worker
    processes (one thread each) made now and closed on exit. Prints the dashboard's link."""
    import dask
    from distributed import Client, LocalCluster

    if address:
        try:
            client = Client(address, timeout="60s")
        except OSError as e:
            raise ConnectionError(
                f"no Dask scheduler answers at {address} ({e}): start one with `dask "
                "scheduler`, or leave out --scheduler (and DASK_SCHEDULER_ADDRESS) to grade on "
                "this machine") from None
        cluster = None
        where = f"the Dask cluster at {address}"
    else:
        # Worker processes that may start processes (each grades a student in one of its own),
        # which Dask's default, daemonic worker processes may not.
        with dask.config.set({"distributed.worker.daemon": False, **QUIET}):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address="127.0.0.1:0",
                                   silence_logs=logging.ERROR)
        client = Client(cluster)
        where = f"a local Dask cluster of {workers} worker{'s' * (workers != 1)}"
    try:
        dashboard = importlib.util.find_spec("bokeh") is not None or address
        print(f"Grading on {where}" + (f"; its dashboard: {client.dashboard_link}" if dashboard
                                       else ""), file=out, flush=True)
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def workers_now(client):
    """How many workers the cluster has at the moment."""
    return len(client.scheduler_info().get("workers", {}))


def finished(futures):
    """Lists of (future, value) as tasks finish, each list all that finished since the last;
    value is the exception of a task that failed (KilledWorker: its workers kept dying)."""
    from distributed import as_completed

    for batch in as_completed(futures).batches():
        done = []
        for future in batch:
            try:
                done.append((future, future.result()))
            except (Exception, asyncio.CancelledError) as e:  # (not an Exception)
                done.append((future, e))
        yield done


def task_key(lesson, student, run):
    """The task's name on the cluster's dashboard: grade-<lesson>-<student>-<run>."""
    return f"grade-{lesson}-{student}-{run}"


def worker_name():
    """host:pid of this process, for the logs."""
    return f"{os.uname().nodename}:{os.getpid()}"
