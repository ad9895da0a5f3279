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


def measure(function, repeats, *, in_children=False, trace_memory=True):
    """Time ``function()`` as the best of ``repeats`` runs after one traced run.

    The first run is both the warm-up (page faults on fresh allocations,
    worker start-up, caches) and the memory measurement: tracemalloc sees
    every buffer numpy allocates, but tracing would slow the Python-level
    parts of the timed runs, so those run untraced.
    """
    gc.collect()
    if trace_memory:
        tracemalloc.start()
        try:
            result = function()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    else:
        result, peak = function(), 0
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
