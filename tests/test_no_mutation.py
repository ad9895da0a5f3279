"""No public function or estimator modifies its inputs.

Every entry point of ``tests/entry_points.py`` runs on inputs that are
read-only (an in-place write raises), and on writable numpy and pandas inputs
compared with copies taken before the call. The tables of tasks the
relations between tasks read are checked on their own below.
"""

import copy
import warnings

import numpy as np
import pandas as pd
import pytest

from sktransfer import CurriculumBuilder, transferability_matrix
from sktransfer.curriculum import second_order_transferability
from sktransfer.exceptions import FewSamplesWarning
from tests.entry_points import ENTRIES, make_problem


def _read_only(problem):
    frozen = {}
    for key, value in problem.items():
        value = np.array(value)
        value.flags.writeable = False
        frozen[key] = value
    return frozen


def _pandas(problem):
    index = pd.RangeIndex(10, 10 + len(problem["y"]))[::-1]
    frames = {}
    for key, value in problem.items():
        frames[key] = (
            pd.DataFrame(value, index=index)
            if np.ndim(value) == 2
            else pd.Series(value, index=index, name=key)
        )
    return frames


def _lists(problem):
    return {key: np.asarray(value).tolist() for key, value in problem.items()}


CONTAINERS = {
    "numpy": lambda problem: problem,
    "read_only": _read_only,
    "pandas": _pandas,
    "lists": _lists,
}


def _assert_unchanged(before, after):
    if isinstance(before, pd.DataFrame):
        pd.testing.assert_frame_equal(after, before)
    elif isinstance(before, pd.Series):
        pd.testing.assert_series_equal(after, before)
    elif isinstance(before, list):
        assert after == before
    else:
        assert after.dtype == before.dtype
        np.testing.assert_array_equal(after, before)


@pytest.mark.filterwarnings("ignore::sktransfer.exceptions.FewSamplesWarning")
@pytest.mark.parametrize("container", list(CONTAINERS))
@pytest.mark.parametrize("entry", ENTRIES, ids=repr)
def test_entry_point_leaves_its_inputs_unchanged(entry, container):
    problem = CONTAINERS[container](make_problem())
    before = copy.deepcopy(problem)
    entry(problem)
    assert problem.keys() == before.keys()
    for key in problem:
        _assert_unchanged(before[key], problem[key])


def _task_table(kind):
    problem = make_problem()
    Y = np.column_stack([problem["y"], problem["z"], problem["z"] % 2])
    if kind == "read_only":
        Y.flags.writeable = False
    elif kind == "pandas":
        Y = pd.DataFrame(Y, columns=["a", "b", "c"], index=np.arange(len(Y))[::-1])
    elif kind == "strings":
        Y = Y.astype(str).astype(object)
    return Y, [problem["X"], problem["X2"], problem["X2"][:, :1]]


@pytest.mark.parametrize("kind", ["numpy", "read_only", "pandas", "strings"])
@pytest.mark.parametrize(
    "relate",
    [
        lambda Y, features: transferability_matrix(Y),
        lambda Y, features: transferability_matrix(
            Y, features=features, metric="h_score", normalize=True
        ),
        lambda Y, features: second_order_transferability(Y, features=features),
        lambda Y, features: CurriculumBuilder(threshold=-1.0).fit(Y),
        lambda Y, features: CurriculumBuilder("logme").fit(Y, features=features),
    ],
    ids=[
        "transferability_matrix",
        "transferability_matrix[features]",
        "second_order_transferability",
        "CurriculumBuilder",
        "CurriculumBuilder[features]",
    ],
)
def test_relations_between_tasks_leave_the_task_table_unchanged(relate, kind):
    Y, features = _task_table(kind)
    before, features_before = copy.deepcopy(Y), copy.deepcopy(features)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewSamplesWarning)
        relate(Y, features)
    _assert_unchanged(before, Y)
    for was, now in zip(features_before, features, strict=True):
        _assert_unchanged(was, now)
