"""Thread-parallel loops give BLAS its share of the cores, no more."""

from joblib import cpu_count
from sklearn.utils.parallel import delayed
from threadpoolctl import threadpool_info

from sktransfer._parallel import blas_share, threaded


def blas_threads():
    return {
        pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"
    }


def test_one_job_leaves_blas_threads_alone():
    before = blas_threads()
    with blas_share(1):
        assert blas_threads() == before
    with blas_share(None):
        assert blas_threads() == before


def test_threads_split_the_cores_between_them_while_they_run():
    before = blas_threads()
    inside = threaded((delayed(blas_threads)() for _ in range(4)), n_jobs=2)
    assert inside == [{max(1, cpu_count() // 2)}] * 4
    assert blas_threads() == before  # restored afterwards


def test_results_keep_the_order_of_the_calls():
    assert threaded((delayed(pow)(i, 2) for i in range(20)), n_jobs=-1) == [
        i**2 for i in range(20)
    ]
