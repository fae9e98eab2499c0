"""Work spread over threads (recordings, transcriptions) or, for many small renders (show notes,
episode pages), over processes when there are enough of them."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from typing import TypeVar

# Below this many items a process pool costs more to start than it saves (bench/README.md).
PARALLEL_FROM = 100

T = TypeVar("T")
R = TypeVar("R")


def map_ordered(function: Callable[[T], R], items: Sequence[T], jobs: int | None) -> list[R]:
    """`function` over `items`, in order; across processes when there are enough items to pay for them."""
    workers = min(jobs or os.cpu_count() or 1, len(items))
    if workers < 2 or len(items) < PARALLEL_FROM:
        return [function(item) for item in items]
    # forkserver, not fork: a build may still have threads running, and forking them can deadlock
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        module = getattr(function, "func", function).__module__  # a partial's function, else the function
        context.set_forkserver_preload(["__main__", module])  # workers start with both imported
    else:
        context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        return list(pool.map(function, items, chunksize=-(-len(items) // (workers * 4))))


def map_threads(function: Callable[[T], R], items: Sequence[T], workers: int) -> list[R]:
    """`function` over `items` on `workers` threads, results in order. Each item starts only when a
    thread is free, so the first failure, or Ctrl-C, is raised as soon as the started ones end and
    nothing queued behind it starts: a build that cannot finish does not work through its queue."""
    results: dict[int, R] = {}
    queue = iter(enumerate(items))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        running: dict[Future[R], int] = {}

        def start_next() -> None:
            for index, item in queue:
                running[pool.submit(function, item)] = index
                return

        for _ in range(workers):
            start_next()
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                results[running.pop(future)] = future.result()
                start_next()
    return [results[index] for index in range(len(items))]
