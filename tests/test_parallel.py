"""Work in forked processes (``coordctl.parallel``, behind ``build -j N``): real forks,
real results and errors coming back."""

from __future__ import annotations

import os
import threading
import time

import pytest

from coordctl import parallel
from coordctl.errors import OutputError

forking = pytest.mark.skipif(not parallel.can_fork(), reason="needs fork (POSIX)")


def slow_pid(index: int) -> tuple[int, int]:
    time.sleep(0.05)  # long enough that one process cannot take every task
    return index, os.getpid()


@forking
def test_tasks_run_in_several_other_processes_and_come_back_in_order() -> None:
    tasks = [lambda i=i: slow_pid(i) for i in range(40)]
    results = parallel.run_all(tasks, 2)
    assert [index for index, _ in results] == list(range(40))
    pids = {pid for _, pid in results}
    assert len(pids) == 2 and os.getpid() not in pids


@forking
def test_while_another_thread_runs_the_tasks_run_here() -> None:
    # A fork copies only the calling thread: a lock the other one holds would stay held.
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not parallel.can_fork()
        assert parallel.run_all([lambda i=i: slow_pid(i) for i in range(4)], 2) == [
            (i, os.getpid()) for i in range(4)]
    finally:
        stop.set()
        other.join()
    assert parallel.can_fork()


def test_one_worker_runs_the_tasks_here_in_order() -> None:
    assert parallel.run_all([lambda i=i: slow_pid(i) for i in range(3)], 1) == [
        (0, os.getpid()), (1, os.getpid()), (2, os.getpid())]


@forking
def test_a_task_inherits_what_was_loaded_before_the_fork() -> None:
    loaded = {"plan": list(range(1000))}  # never pickled: only indices travel
    results = parallel.run_all([lambda k=k: sum(loaded["plan"][k::4]) for k in range(4)], 2)
    assert results == [sum(range(k, 1000, 4)) for k in range(4)]


@forking
def test_a_users_error_comes_back_as_itself() -> None:
    def fail() -> None:
        raise OutputError("cannot build plans/x.html: template error: boom")

    with pytest.raises(OutputError, match="template error: boom"):
        parallel.run_all([lambda: 1, fail, lambda: 3], 2)


class Unpicklable(Exception):
    def __init__(self, message: str, handle: object) -> None:
        super().__init__(message)
        self.handle = handle


@forking
def test_an_error_that_cannot_travel_comes_back_with_its_traceback() -> None:
    def fail() -> None:
        raise Unpicklable("lost handle", lambda: None)

    with pytest.raises(RuntimeError) as caught:
        parallel.run_all([lambda: 1, fail], 2)
    text = str(caught.value)
    assert text.startswith("Unpicklable: lost handle")
    assert "Traceback" in text and "in fail" in text


@forking
def test_a_worker_runs_nested_work_itself() -> None:
    def nested() -> set[int]:
        return {pid for _, pid in parallel.run_all(
            [lambda i=i: slow_pid(i) for i in range(4)], 2)}

    results = parallel.run_all([nested, nested], 2)
    for pids in results:  # all four in the worker that ran nested()
        assert len(pids) == 1 and os.getpid() not in pids
