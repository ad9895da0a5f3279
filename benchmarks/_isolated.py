"""Metrics timed in a worker process, each case under a time limit.

The absolute limits (wide and sparse features) are the cases where a metric
that takes the wrong route runs for hours (an eigendecomposition of a 20,000 x
20,000 matrix) or asks for far more memory than the machine has (a 100,000 x
100,000 Gram matrix). Such a case must come out as a MISS, not stall or kill
the run, so the cases run in a worker process that is ended when a case
outlives its time and restarted for the cases after it, with its address
space capped so that a huge allocation fails at once with a MemoryError.
"""

import gc
import multiprocessing
import os
import warnings
from dataclasses import dataclass, replace

from _timing import Failure, describe, measure

# Seconds a worker may take to import the library and build its inputs.
_START_TIMEOUT = 120


@dataclass(frozen=True)
class Task:
    """What a worker does: build the inputs once, then time each metric on them.

    ``make_inputs(*arguments)`` returns ``(X, y)``; it must be a module-level
    function (the worker is spawned, and imports it by name).
    """

    make_inputs: object
    arguments: tuple
    names: tuple  # registered metric names, scored as metric.score(X, y)
    repeats: int
    stop_after: float  # a first run longer than this is not repeated
    memory_cap: int  # bytes of address space the worker may add after start-up
    blas_threads: int | None


def run(task, timeout):
    """``{name: Timing or Failure}`` for every metric of ``task``.

    A case that sends nothing within ``timeout`` seconds is a Failure, its
    worker is killed, and a new worker takes the cases after it.
    """
    context = multiprocessing.get_context("spawn")
    results = {}
    remaining = list(task.names)
    while remaining:
        receiver, sender = context.Pipe(duplex=False)
        worker = context.Process(
            target=_work, args=(sender, replace(task, names=tuple(remaining)))
        )
        worker.daemon = True
        worker.start()
        sender.close()  # so that the worker's death reads as end of file here
        try:
            status, message = _receive(receiver, worker, _START_TIMEOUT)
            if status != "ok":
                for name in remaining:
                    results[name] = Failure(f"the worker did not start: {message}")
                break
            while remaining:
                name = remaining.pop(0)
                status, message = _receive(receiver, worker, timeout)
                if status != "ok":
                    results[name] = Failure(message)
                    break  # a new worker for the rest
                results[name] = message
        finally:
            if worker.is_alive():
                worker.kill()
            worker.join()
            receiver.close()
    return results


def _receive(receiver, worker, timeout):
    """``("ok", message)``, or ``(why, reason)`` if none came in time."""
    if not receiver.poll(timeout):
        return "timeout", f"timed out after {timeout:g} s"
    try:
        return "ok", receiver.recv()
    except EOFError:
        worker.join()
        return "died", f"the worker died (exit code {worker.exitcode})"


def _work(sender, task):
    """In the worker: build the inputs, then send each metric's Timing or Failure."""
    from threadpoolctl import threadpool_limits

    from sktransfer.metrics import get_metric

    # The scores of wide inputs warn (FewSamplesWarning); the times are the point.
    warnings.simplefilter("ignore")
    gc.collect()
    gc.freeze()  # as in run.py: measure's gc.collect() need not walk the imports
    with threadpool_limits(limits=task.blas_threads, user_api="blas"):
        X, y = task.make_inputs(*task.arguments)
        _cap_address_space(task.memory_cap)
        sender.send("ready")
        for name in task.names:
            metric = get_metric(name)
            try:
                timing = measure(
                    lambda metric=metric: metric.score(X, y),
                    task.repeats,
                    stop_after=task.stop_after,
                )
                timing.result = _scalar(timing.result)
            except Exception as error:  # a failing metric is a result here
                timing = Failure(describe(error))
            sender.send(timing)


def _scalar(result):
    try:
        return float(result)
    except (TypeError, ValueError):
        return None


def _cap_address_space(extra):
    """Let this process map at most ``extra`` bytes more than it has now (Linux)."""
    try:
        import resource

        with open(f"/proc/{os.getpid()}/status") as file:
            size = next(
                int(line.split()[1]) * 1024
                for line in file
                if line.startswith("VmSize:")
            )
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = size + extra
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, StopIteration, ValueError):
        pass  # no cap where the system cannot set one
