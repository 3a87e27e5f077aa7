"""Work spread over several processes (``coordctl build -j N``).

The processes are forked from the one that loaded the workspace, so they inherit it
(and the tasks, which hold it) instead of receiving it pickled: only a task's index goes
to a worker, only its (small) result comes back. Where the system cannot fork (Windows),
inside a worker, or while another thread runs, the tasks run one after another in the
calling process.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from typing import Any

#: The tasks of the running ``run``: forked workers inherit them.
_TASKS: list[Callable[[], Any]] = []
#: Set in a worker: a worker runs its tasks itself (a pool's processes cannot fork).
_IN_WORKER = False


def can_fork() -> bool:
    """Whether tasks can go to forked processes here: the system forks, this is not a
    worker, and no other thread runs (a fork copies only the calling thread, and a
    lock another thread holds would stay held in the copy for ever)."""
    import multiprocessing
    import threading

    return not _IN_WORKER and threading.active_count() == 1 and \
        "fork" in multiprocessing.get_all_start_methods()


def _start(cache: Any) -> None:
    """In a new worker: Ctrl-C and SIGTERM are the parent's to handle (it stops the
    workers); the parent's cache connection must not be used here (SQLite forbids it
    across ``fork``)."""
    global _IN_WORKER
    _IN_WORKER = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if cache is not None:
        cache.forked()


def _call(index: int) -> tuple[int, Any, BaseException | None]:
    """Run task ``index`` in a worker: its result, or the error to raise in the parent
    (one that survives pickling; else its text and traceback)."""
    import pickle
    import traceback

    try:
        return index, _TASKS[index](), None
    except Exception as exc:
        try:
            return index, None, pickle.loads(pickle.dumps(exc))
        except Exception:
            return index, None, RuntimeError(f"{type(exc).__name__}: {exc}\n"
                                             f"{traceback.format_exc()}")


def run(tasks: list[Callable[[], Any]], workers: int, cache: Any = None,
        chunksize: int = 1) -> Iterator[tuple[int, Any]]:
    """(index, result) of every task, in the order they finish; ``workers`` processes
    share them (``cache``, a ``coordctl.cache.Cache``, is reopened in each). The first
    error a task raises is raised here, and the other workers are stopped."""
    if workers <= 1 or len(tasks) < 2 or not can_fork():
        for index, task in enumerate(tasks):
            yield index, task()
        return
    import multiprocessing

    if _TASKS:
        raise RuntimeError("parallel.run is not reentrant")
    _TASKS[:] = tasks
    try:
        with multiprocessing.get_context("fork").Pool(
                min(workers, len(tasks)), initializer=_start, initargs=(cache,)) as pool:
            for index, result, error in pool.imap_unordered(_call, range(len(tasks)),
                                                            chunksize=chunksize):
                if error is not None:
                    raise error
                yield index, result
    finally:
        _TASKS.clear()


def run_all(tasks: list[Callable[[], Any]], workers: int, cache: Any = None,
            chunksize: int = 1) -> list[Any]:
    """The results of ``tasks``, in their order (see ``run``)."""
    results: list[Any] = [None] * len(tasks)
    for index, result in run(tasks, workers, cache, chunksize):
        results[index] = result
    return results
