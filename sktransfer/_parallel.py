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


def blas_share(n_jobs):
    """Context that gives each of ``n_jobs`` threads its share of BLAS threads."""
    workers = effective_n_jobs(n_jobs)
    if workers <= 1:
        return nullcontext()
    return threadpool_limits(limits=max(1, cpu_count() // workers), user_api="blas")


def threaded(calls, n_jobs, **kwargs):
    """Run joblib ``delayed`` calls on ``n_jobs`` threads; results in order."""
    with blas_share(n_jobs):
        return Parallel(n_jobs=n_jobs, prefer="threads", **kwargs)(calls)
