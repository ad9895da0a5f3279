import subprocess
import sys

import numpy as np
import pytest

distributed = pytest.importorskip("dask.distributed")
da = pytest.importorskip("dask.array")

from sktransfer.metrics import (  # noqa: E402
    conditional_entropy,
    h_score,
    logme_score,
    task_hardness,
)
from sktransfer.metrics._hscore import TOLERANCE  # noqa: E402

# Dask blocks are summarised by the streaming accumulators on their own route
# and merged; each side is certified to within TOLERANCE of the exact score.
RTOL = 2 * TOLERANCE


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    y = rng.choice(["ant", "bee", "cat"], size=900)
    y[-60:] = "late"  # a class only the last blocks hold
    codes = np.unique(y, return_inverse=True)[1]
    X = rng.normal(size=(4, 8))[codes] + rng.normal(size=(900, 8))
    X[:, 3] = 1e4 * X[:, 0] + X[:, 3]
    z = rng.integers(0, 25, size=900)
    return X, y, z


FEATURE_METRICS = {
    "h_score": h_score,
    "shrinkage": lambda X, y: h_score(X, y, shrinkage="ledoit_wolf"),
    "oas": lambda X, y: h_score(X, y, shrinkage="oas"),
    "logme": logme_score,
}


@pytest.mark.parametrize("name", sorted(FEATURE_METRICS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_feature_metrics_of_dask_arrays_equal_numpy(client, data, name, dtype):
    X, y, _ = data
    X = X.astype(dtype)
    if dtype == np.float32:  # the Gram route: compare on tamer features
        X[:, 3] = X[:, 2]
    metric = FEATURE_METRICS[name]
    # Uneven row blocks and several column blocks, which are joined.
    dX = da.from_array(X, chunks=((100, 250, 7, 543), (3, 5)))
    dy = da.from_array(y, chunks=200)
    expected = metric(X, y)
    np.testing.assert_allclose(metric(dX, dy), expected, rtol=RTOL)
    np.testing.assert_allclose(metric(dX, y), expected, rtol=RTOL)
    np.testing.assert_allclose(metric(X, dy), expected, rtol=RTOL)


def test_dask_features_are_never_computed_whole(client, data, monkeypatch):
    X, y, _ = data
    dX = da.from_array(X, chunks=(100, 8))
    monkeypatch.setattr(
        type(dX), "compute", lambda *a, **k: pytest.fail("X was computed whole")
    )
    np.testing.assert_allclose(h_score(dX, y), h_score(X, y), rtol=RTOL)


def test_label_metrics_of_dask_arrays_equal_numpy(client, data):
    _, y, z = data
    dy, dz = da.from_array(y, chunks=130), da.from_array(z, chunks=(400, 500))
    np.testing.assert_allclose(
        conditional_entropy(dy, dz), conditional_entropy(y, z), rtol=RTOL
    )
    np.testing.assert_allclose(
        conditional_entropy(dy, z, base=2), conditional_entropy(y, z, base=2), rtol=RTOL
    )
    np.testing.assert_allclose(task_hardness(dy), task_hardness(y), rtol=RTOL)
    assert task_hardness(da.from_array(np.ones(10), chunks=3)) == 0.0


def test_dask_input_errors(client, data):
    X, y, _ = data
    dX = da.from_array(X, chunks=(100, 8))
    with pytest.raises(ValueError, match="y has 899 labels but the features have 900"):
        h_score(dX, y[:-1])
    with pytest.raises(ValueError, match="score one label column at a time"):
        h_score(dX, np.column_stack([y, y]))
    with pytest.raises(ValueError, match="NaN"):
        h_score(da.from_array(np.full((4, 2), np.nan), chunks=2), [0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"single class \('a'\).*the H-score"):
        h_score(dX, np.full(900, "a"))
    with pytest.raises(ValueError, match="unknown chunk sizes"):
        h_score(dX[dX[:, 0] > 0], y)
    with pytest.raises(ValueError, match="y has 3 labels but z has 2"):
        conditional_entropy(da.from_array([0, 1, 1]), [0, 1])
    with pytest.raises(ValueError, match="regression=True does not accept Dask"):
        logme_score(dX, da.from_array(X[:, 0]), regression=True)


def test_a_process_cluster_gives_the_same_result(data):
    X, y, z = data
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster),
    ):
        dX, dy = da.from_array(X, chunks=(300, 8)), da.from_array(y, chunks=300)
        np.testing.assert_allclose(h_score(dX, dy), h_score(X, y), rtol=RTOL)


def test_importing_sktransfer_does_not_import_dask():
    code = (
        "import sys, sktransfer\n"
        "assert not [m for m in sys.modules if m.startswith('dask')]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
