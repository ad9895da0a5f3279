"""Thread-parallel loops that share the cores with BLAS instead of fighting it.

Each scoring task is mostly BLAS work, and BLAS already starts one thread per
core; ``n`` joblib threads each running a BLAS with every core's worth of
threads would oversubscribe the machine ``n`` times over. Process workers need
nothing here: joblib's loky backend limits their BLAS threads itself.
"""

from contextlib import nullcontext

from joblib import cpu_count, effective_n_jobs
from sklearn.utils.parallel import Parallel
from threadpoolctl import threadpool_limits

from sktransfer._progress import progress_wanted, tracked


def blas_share(n_jobs):
    """Context that gives each of ``n_jobs`` threads its share of BLAS threads."""
    workers = effective_n_jobs(n_jobs)
    if workers <= 1:
        return nullcontext()
    return threadpool_limits(limits=max(1, cpu_count() // workers), user_api="blas")


def run(calls, n_jobs, *, progress=None, **kwargs):
    """Run joblib ``delayed`` calls; results in order.

    ``progress`` names the work for a progress bar. Only when a bar is wanted
    are results collected as they come, which older joblib backends (Dask's
    before joblib 1.4) cannot do.
    """
    calls = list(calls)
    if not progress_wanted(progress):
        return Parallel(n_jobs=n_jobs, **kwargs)(calls)
    results = Parallel(n_jobs=n_jobs, return_as="generator", **kwargs)(calls)
    return list(tracked(results, len(calls), progress))


def threaded(calls, n_jobs, *, progress=None, **kwargs):
    """:func:`run` on threads that share the cores with BLAS."""
    with blas_share(n_jobs):
        return run(calls, n_jobs, progress=progress, prefer="threads", **kwargs)
