"""Where a sweep's runs execute: local processes or a Dask distributed cluster.

Both executors are context managers with ``map_unordered(fn, items, context)``, which calls
``fn(item, context)`` for every item and yields the results as they complete (order may vary;
the storage sorts), and ``slots()``, the number of items that can run at once. ``context`` is
sent once per worker, not once per item. At most a few items per worker are in flight, so a
sweep of any size holds only a window of them and their results in memory; a sweep's items
are batches of runs (``tasks.Batches``).

Local workers, and those of a Dask LocalCluster, ignore Ctrl-C (SIGINT, which a terminal
sends to every process of the job): the sweep process handles it and stops them, so an
interrupted sweep prints no worker's traceback.

Workers run one batch of simulations each at a time, with BLAS/OpenMP thread pools of one thread
(``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` = 1, and threadpoolctl
when installed): the model's matrix products are small, and N workers × M BLAS threads
would oversubscribe the cores.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
#: Tasks in flight per worker.
WINDOW_PER_WORKER = 4


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _limit_threads() -> None:
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(1)


class _thread_limits:
    """threadpoolctl's one-thread limit while running in-process, when it is installed."""

    def __enter__(self) -> None:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            self.limits = None
        else:
            self.limits = threadpool_limits(1)

    def __exit__(self, *exc: Any) -> None:
        if self.limits is not None:
            self.limits.restore_original_limits()


# --- local processes ---------------------------------------------------------------------

_WORKER_CONTEXT: Any = None


def _init_worker(context: Any) -> None:
    global _WORKER_CONTEXT
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _limit_threads()
    _WORKER_CONTEXT = context
    _leave_with_parent()


def _leave_with_parent(poll: float = 1.0) -> None:
    """Exit when the sweep process is gone. A parent killed with SIGKILL cannot stop its
    pool, and its workers would otherwise wait on the task queue, holding memory, forever."""
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll)
        os._exit(1)

    threading.Thread(target=watch, name="alignsim-parent-watch", daemon=True).start()


def _call_in_worker(fn: Callable[[Any, Any], Any], item: Any) -> Any:
    return fn(item, _WORKER_CONTEXT)


def _started() -> None:
    """A task that does nothing: submitting one makes the pool start a worker."""


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """SIGINT ignored in this process meanwhile, so that processes started now ignore it too.

    A terminal's Ctrl-C reaches every process of the foreground group, workers included. A
    spawned worker that gets it while still importing (before its initializer runs) prints a
    ``KeyboardInterrupt`` traceback; one started while SIGINT is ignored keeps ignoring it
    (an ignored signal stays ignored across ``exec``, and Python then installs no handler).
    A Ctrl-C in the time this takes is lost: 10–30 ms to start two local processes (not
    their imports), 1–2 s to start a Dask LocalCluster of two (measured). Only the main
    thread may change signal handlers; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class _DeferredInterrupt:
    """Ctrl-C noted, and raised as ``KeyboardInterrupt`` only where ``check`` is called.

    Dask's client waits inside its own event-loop calls; a ``KeyboardInterrupt`` raised in
    the middle of one can leave Dask's clean-up raising errors of its own (a traceback
    instead of one line). Inside this context SIGINT only sets a flag, and the loop that
    waits for results wakes often enough (``POLL`` seconds) to act on it. Only the main
    thread may set signal handlers; elsewhere SIGINT keeps its handler.
    """

    POLL = 0.2

    def __init__(self) -> None:
        self.pending = False
        self._previous: Any = None

    def __enter__(self) -> _DeferredInterrupt:
        if threading.current_thread() is threading.main_thread():
            handler = signal.getsignal(signal.SIGINT)
            if handler is not signal.SIG_IGN:  # an ignored Ctrl-C stays ignored
                self._previous = signal.signal(signal.SIGINT, self._note)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None

    def _note(self, signum: int, frame: Any) -> None:
        self.pending = True

    def check(self) -> None:
        if self.pending:
            self.pending = False
            raise KeyboardInterrupt


def _stop_workers(pool: Any) -> None:
    """Stop the pool's workers at once: after Ctrl-C or an error the runs they are busy with
    would not be recorded, and a long run would keep the sweep from ending until it is done."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14
    if terminate is not None:
        terminate()
    else:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


class LocalExecutor:
    """Runs on this machine: ``workers`` processes (default: all cores); 1 runs in-process."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = available_cores() if workers is None else int(workers)
        if self.workers < 1:
            raise ValueError(f"workers must be 1 or more, got {self.workers}")
        self._saved_env: dict[str, str | None] = {}
        self._pool: Any = None
        self._pool_context: Any = None

    def describe(self) -> str:
        return f"{self.workers} local process{'es' if self.workers > 1 else ''}"

    def slots(self) -> int:
        """Runs that can execute at once."""
        return self.workers

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        if self._pool is not None:
            if exc_type is None:
                self._pool.shutdown(wait=True)
            else:  # an error or Ctrl-C: neither queued runs nor those in flight are wanted
                _stop_workers(self._pool)
            self._pool = self._pool_context = None
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env = {}

    def map_unordered(
        self, fn: Callable[[Any, Any], Any], items: Iterable[Any], context: Any
    ) -> Iterator[Any]:
        if self.workers == 1:
            with _thread_limits():
                for item in items:
                    yield fn(item, context)
            return
        yield from self._map_pool(fn, items, self._start(context))

    def _start(self, context: Any) -> Any:
        """The process pool, its workers initialized with ``context`` (sent once to each)."""
        if self._pool is not None and self._pool_context is context:
            return self._pool
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # Workers are spawned (not forked: the parent may run threads) and inherit these
        # variables, so their BLAS pools start with one thread; restored on exit.
        if not self._saved_env:
            self._saved_env = {name: os.environ.get(name) for name in THREAD_VARIABLES}
        os.environ.update(dict.fromkeys(THREAD_VARIABLES, "1"))
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(context,),
        )
        self._pool_context = context
        # The pool starts a worker per task submitted while none is idle, up to `workers`:
        # start them all now, with SIGINT ignored, so that no Ctrl-C hits one mid-import.
        with _sigint_ignored():
            for _ in range(self.workers):
                self._pool.submit(_started)
        return self._pool

    def _map_pool(self, fn: Callable, items: Iterable[Any], pool: Any) -> Iterator[Any]:
        from concurrent.futures import FIRST_COMPLETED, wait

        iterator = iter(items)
        window = self.workers * WINDOW_PER_WORKER
        pending = set()
        for item in iterator:
            pending.add(pool.submit(_call_in_worker, fn, item))
            if len(pending) >= window:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                result = future.result()
                for item in iterator:
                    pending.add(pool.submit(_call_in_worker, fn, item))
                    break
                yield result


# --- Dask distributed --------------------------------------------------------------------


def _call_with_context(fn: Callable[[Any, Any], Any], item: Any, context: Any) -> Any:
    return fn(item, context)


def local_cluster_addresses() -> dict[str, Any]:
    """Where a ``LocalCluster`` listens: 127.0.0.1 only, on ports the system picks.

    The scheduler also serves a small web page (health, metrics) when it has no dashboard;
    with ``dashboard_address=None`` Dask tries port 8787 for it first and warns "Port 8787
    is already in use" whenever another cluster runs on the machine.
    """
    return {
        "host": "127.0.0.1",
        "scheduler_port": 0,
        "dashboard_address": "127.0.0.1:0",
        "scheduler_kwargs": {"dashboard": False},
    }


class DaskExecutor:
    """Runs on a Dask distributed cluster: ``"local"`` starts a ``LocalCluster`` on 127.0.0.1
    (``min(2, cores)`` single-threaded worker processes, no dashboard) for the duration;
    any other address (``tcp://HOST:PORT``) connects to a running scheduler, whose workers
    must have alignsim installed.

    Dask's nannies start workers with OMP/OPENBLAS/MKL_NUM_THREADS=1 by default
    (``distributed.nanny.pre-spawn-environ``); workers also apply them on first use.

    Ctrl-C is acted on between results (``_DeferredInterrupt``): the runs in flight are
    cancelled and the cluster closed. A LocalCluster's workers log only critical errors: a
    run that fails comes back as a failed row, and what workers would log while the cluster
    that started them shuts down (heartbeats to a closed scheduler, cancelled runs) is not
    news to anyone.
    """

    def __init__(self, address: str = "local", workers: int | None = None) -> None:
        self.address = address
        self.workers = workers
        self._cluster: Any = None
        self._client: Any = None

    def describe(self) -> str:
        if self.address == "local":
            return f"Dask LocalCluster ({self._n_workers()} workers)"
        return f"Dask scheduler {self.address}"

    def _n_workers(self) -> int:
        return self.workers or min(2, available_cores())

    def __enter__(self) -> DaskExecutor:
        from distributed import Client, LocalCluster

        if self.address == "local":
            with _sigint_ignored():  # its workers ignore Ctrl-C; closing the cluster stops them
                self._cluster = LocalCluster(
                    n_workers=self._n_workers(),
                    threads_per_worker=1,
                    processes=True,
                    silence_logs=logging.CRITICAL,
                    **local_cluster_addresses(),
                )
            self._client = Client(self._cluster)
        else:
            self._client = Client(self.address)
        return self

    def __exit__(self, *exc: Any) -> None:
        with _DeferredInterrupt():  # a second Ctrl-C while closing changes nothing
            if self._client is not None:
                self._client.close()
                self._client = None
            if self._cluster is not None:
                self._cluster.close()
                self._cluster = None

    def slots(self) -> int:
        """Runs that can execute at once: the cluster's worker threads (at least one)."""
        try:
            threads = sum(self._client.nthreads().values())
        except Exception:  # pragma: no cover - scheduler unreachable: the submit will say so
            threads = 0
        return max(1, threads)

    def map_unordered(
        self, fn: Callable[[Any, Any], Any], items: Iterable[Any], context: Any
    ) -> Iterator[Any]:
        from distributed import wait

        client = self._client
        with _DeferredInterrupt() as interrupt:
            client.run(_limit_threads)
            [shared] = client.scatter([context], broadcast=True, hash=False)
            iterator = iter(items)
            window = self.slots() * WINDOW_PER_WORKER
            pending: set[Any] = set()
            try:
                for item in itertools.islice(iterator, window):
                    pending.add(client.submit(_call_with_context, fn, item, shared, pure=False))
                while pending:
                    interrupt.check()
                    try:
                        done, pending = wait(
                            pending, timeout=interrupt.POLL, return_when="FIRST_COMPLETED"
                        )
                    except TimeoutError:
                        continue
                    for future in done:
                        result = future.result()
                        future.release()
                        for item in itertools.islice(iterator, 1):
                            pending.add(
                                client.submit(_call_with_context, fn, item, shared, pure=False)
                            )
                        yield result
                        interrupt.check()
            finally:
                if pending:  # Ctrl-C or an error: the runs in flight are not wanted
                    client.cancel(list(pending))
                shared.release()
