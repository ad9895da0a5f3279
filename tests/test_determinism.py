"""Results are bitwise reproducible.

Every entry point gives the same bits on every run, whatever the state of
numpy's global random generator; the ones with randomness take a
``random_state`` that fixes it; the ones with ``n_jobs`` give the same bits
for any number of jobs and any joblib backend.
"""

import inspect
import warnings

import numpy as np
import pytest
from joblib import parallel_backend

from sktransfer.exceptions import FewSamplesWarning
from sktransfer.metrics import NLEEPScorer, ace, nleep_score, pixelwise_h_score
from tests.entry_points import ENTRIES, make_problem

PROBLEM = make_problem()
RANDOM = [entry for entry in ENTRIES if entry.random_state]
PARALLEL = [entry for entry in ENTRIES if entry.n_jobs]


def _run(entry, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewSamplesWarning)
        return entry(PROBLEM, **kwargs)


@pytest.mark.parametrize("entry", ENTRIES, ids=repr)
def test_repeated_runs_give_the_same_bits_whatever_the_global_seed(entry):
    # The legacy global generator is what code without a random_state would use.
    np.random.seed(1)  # noqa: NPY002
    first = _run(entry)
    np.random.seed(2)  # noqa: NPY002
    np.testing.assert_array_equal(_run(entry), first)


@pytest.mark.parametrize("entry", ENTRIES, ids=repr)
def test_entry_point_leaves_the_global_random_state_alone(entry):
    np.random.seed(3)  # noqa: NPY002
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    _run(entry)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002


@pytest.mark.parametrize(
    "public", [nleep_score, NLEEPScorer, pixelwise_h_score, ace], ids=repr
)
def test_every_source_of_randomness_takes_a_random_state(public):
    parameter = inspect.signature(public).parameters["random_state"]
    assert parameter.default is None


@pytest.mark.parametrize("entry", RANDOM, ids=repr)
def test_random_state_fixes_the_result(entry):
    by_int = _run(entry, random_state=7)
    np.testing.assert_array_equal(_run(entry, random_state=7), by_int)
    by_instance = _run(entry, random_state=np.random.RandomState(7))
    np.testing.assert_array_equal(by_instance, by_int)


@pytest.mark.parametrize("entry", PARALLEL, ids=repr)
def test_n_jobs_and_joblib_backend_do_not_change_a_bit(entry):
    expected = _run(entry)
    for backend in ("loky", "threading", "sequential"):
        with parallel_backend(backend):
            for n_jobs in (1, 2, -1):
                result = _run(entry, n_jobs=n_jobs)
                np.testing.assert_array_equal(
                    result, expected, err_msg=f"{backend}, n_jobs={n_jobs}"
                )
