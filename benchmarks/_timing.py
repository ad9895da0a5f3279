"""Timing and memory of one benchmark case, and a description of the machine."""

import datetime
import gc
import os
import platform
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy

MIB = 2**20


@dataclass
class Timing:
    """Best-of-N wall and CPU seconds, and peak memory allocated beyond the inputs.

    ``cpu`` is None when the work runs in child processes, whose CPU time the
    parent's clock does not see. ``result`` is what the case returned, kept
    for the checks printed under each group.
    """

    wall: float
    cpu: float | None
    peak_mib: float
    result: object = None


@dataclass
class Failure:
    """A case that raised, ran out of time or lost its worker: why, on one line.

    Its row shows the reason instead of times, and every target that reads
    the row is a MISS.
    """

    reason: str


def describe(error):
    """The first line of an exception, after its type: what a failed row shows."""
    lines = str(error).strip().splitlines()
    text = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def measure(
    function, repeats, *, in_children=False, trace_memory=True, stop_after=None
):
    """Time ``function()`` as the best of ``repeats`` runs after one traced run.

    The first run is both the warm-up (page faults on fresh allocations,
    worker start-up, caches) and the memory measurement: tracemalloc sees
    every buffer numpy allocates, but tracing would slow the Python-level
    parts of the timed runs, so those run untraced. When that first run
    alone takes longer than ``stop_after`` seconds, its own time is the result
    (a case that far over a limit needs no best of several).
    """
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    if trace_memory:
        tracemalloc.start()
        try:
            result = function()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    else:
        result, peak = function(), 0
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if stop_after is not None and wall > stop_after:
        return Timing(
            wall=wall,
            cpu=None if in_children else cpu,
            peak_mib=peak / MIB,
            result=result,
        )
    walls, cpus = [], []
    for _ in range(repeats):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return Timing(
        wall=min(walls),
        cpu=None if in_children else min(cpus),
        peak_mib=peak / MIB,
        result=result,
    )


def blas_description():
    """Each BLAS loaded (numpy's and scipy's may differ) and its thread count."""
    from threadpoolctl import threadpool_info

    libraries = [
        f"{info['internal_api']} {info.get('version') or ''} "
        f"({Path(info['filepath']).parent.name.removesuffix('.libs')}, "
        f"{info['num_threads']} thread{'' if info['num_threads'] == 1 else 's'})"
        for info in threadpool_info()
        if info["user_api"] == "blas"
    ]
    return "BLAS: " + ("; ".join(libraries) or "none loaded")


def machine_description():
    """Lines that say where and when the numbers were taken."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return [
        f"{datetime.datetime.now():%Y-%m-%d %H:%M}, {platform.node()}, "
        f"{os.cpu_count()} CPUs, load average {load}",
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"scipy {scipy.__version__}; {blas_description()}",
    ]


def available_memory():
    """Bytes of memory available to new allocations, or None where unknown."""
    try:
        with open("/proc/meminfo") as file:
            for line in file:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None


def blas_threads():
    """The largest thread count of the BLAS libraries loaded, or None if none is."""
    from threadpoolctl import threadpool_info

    counts = [
        info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"
    ]
    return max(counts, default=None)
