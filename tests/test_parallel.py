"""joblib loops: results in order, identical whatever the number of jobs."""

import numpy as np
from sklearn.utils.parallel import delayed

from sktransfer._parallel import run, threaded


def test_results_keep_the_order_of_the_calls():
    expected = [i**2 for i in range(20)]
    assert threaded((delayed(pow)(i, 2) for i in range(20)), n_jobs=-1) == expected
    assert run((delayed(pow)(i, 2) for i in range(20)), n_jobs=2) == expected


def test_blas_work_in_threads_equals_the_serial_result_bitwise():
    rng = np.random.default_rng(0)
    blocks = [rng.standard_normal((3000, 200)) for _ in range(4)]
    calls = [delayed(np.dot)(b.T, b) for b in blocks]
    serial = threaded(calls, n_jobs=1)
    for parallel in (threaded(calls, n_jobs=2), threaded(calls, n_jobs=-1)):
        for a, b in zip(serial, parallel, strict=True):
            np.testing.assert_array_equal(a, b)
