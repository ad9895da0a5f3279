"""joblib loops that can report their progress.

Thread loops leave BLAS its own threads. Limiting them per thread (with
threadpoolctl) avoided oversubscription but made results depend on ``n_jobs``
in the last bit with some OpenBLAS builds, whose sums change order with their
thread count; results must not depend on ``n_jobs``. Process workers are
limited by joblib's loky backend itself.
"""

from sklearn.utils.parallel import Parallel

from sktransfer._progress import progress_wanted, tracked


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
    """:func:`run` on threads (BLAS releases the GIL)."""
    return run(calls, n_jobs, progress=progress, prefer="threads", **kwargs)
