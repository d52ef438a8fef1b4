"""The ingest's worker processes: a pool whose workers never outlive their parent.

Invariant: a worker exits when the process that started it dies, however it died
(``kill -9`` included), so a killed ingest leaves no workers (each holding its models)
behind, nor the multiprocessing resource tracker, which lives as long as they hold its
pipe. On Linux the kernel kills the worker (``PR_SET_PDEATHSIG``); elsewhere a watch
thread in the worker notices that its parent changed and ends it.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

__all__ = ["executor"]

_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_WATCH_SECONDS = 1.0


class _InProcess(Executor):
    """``--workers 0``: analyse in this process (debugging, tiny inputs)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def executor(workers: int) -> Executor:
    """``workers`` processes (spawned, not forked), or this process when 0 or fewer."""
    if workers <= 0:
        return _InProcess()
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),
        initializer=_follow_parent,
        initargs=(os.getpid(),),
    )


def _follow_parent(parent: int) -> None:
    """Run first in each worker: end it when ``parent`` is gone."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        # The signal comes when the thread that started the worker ends: the pool starts
        # workers from the thread that submits, the ingest's main thread.
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            _watch(parent)
    else:
        _watch(parent)
    if os.getppid() != parent:  # it died before the worker could ask to follow it
        os._exit(1)


def _watch(parent: int) -> None:
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_WATCH_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="genkend-parent-watch", daemon=True).start()
