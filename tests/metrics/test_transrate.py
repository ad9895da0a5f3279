import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

from sktransfer.metrics import TransRateScorer, get_metric, transrate_score
from sktransfer.metrics import _transrate as transrate_module


def coding_rate(Z, eps):
    """R(Z, eps) = 1/2 logdet(I + Z^T Z / (n eps)), by definition."""
    n, d = Z.shape
    sign, logdet = np.linalg.slogdet(np.eye(d) + Z.T @ Z / (n * eps))
    assert sign > 0
    return 0.5 * logdet


def transrate_reference(X, y, eps=1e-4):
    """Huang et al. (2022): R(Z) - sum_c n_c / n R(Z_c), Z centred once."""
    Z = np.asarray(X, dtype=np.float64)
    Z = Z - Z.mean(axis=0)
    y = np.asarray(y)
    n = len(y)
    conditional = 0.0
    for c in np.unique(y):
        members = Z[y == c]
        conditional += len(members) / n * coding_rate(members, eps)
    return coding_rate(Z, eps) - conditional


def make_task(seed, n_samples=300, n_features=6, n_classes=4, weights=None):
    rng = np.random.default_rng(seed)
    y = rng.choice(n_classes, n_samples, p=weights)
    mixing = rng.standard_normal((n_features, n_features))
    X = rng.standard_normal((n_samples, n_features)) @ mixing
    return X + rng.standard_normal((n_classes, n_features))[y] + 1.0, y


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize(
    "shape", [(300, 6, 4), (100, 10, 2), (500, 30, 10), (40, 60, 3), (60, 25, 2)]
)
def test_transrate_matches_the_definition(seed, shape):
    X, y = make_task(seed, *shape)
    assert transrate_score(X, y) == pytest.approx(transrate_reference(X, y), rel=1e-10)


def test_classes_are_weighted_by_their_share_of_the_samples():
    X, y = make_task(3, n_samples=400, n_features=5, weights=[0.7, 0.2, 0.05, 0.05])
    assert transrate_score(X, y) == pytest.approx(transrate_reference(X, y), rel=1e-10)


@pytest.mark.parametrize("eps", [1e-6, 1e-2, 10.0])
def test_eps_is_the_squared_distortion(eps):
    X, y = make_task(4, n_samples=200, n_features=8)
    assert transrate_score(X, y, eps=eps) == pytest.approx(
        transrate_reference(X, y, eps), rel=1e-10
    )


def test_batches_and_row_segments_give_the_same_score(monkeypatch):
    # Classes larger and smaller than the feature count, in batches of one.
    X, y = make_task(5, n_samples=2600, n_features=4, n_classes=3)
    y[:30] = 3  # a small class as well
    expected = transrate_reference(X, y)
    monkeypatch.setattr(transrate_module, "_BATCH_BYTES", 1)
    assert transrate_score(X, y) == pytest.approx(expected, rel=1e-10)


def test_float32_and_float64_inputs_agree():
    X, y = make_task(6, n_samples=400, n_features=12, n_classes=5)
    X32 = X.astype(np.float32)
    assert transrate_score(X32, y) == pytest.approx(
        transrate_score(X32.astype(np.float64), y), rel=1e-9
    )
    assert transrate_score(X32, y) == pytest.approx(transrate_score(X, y), rel=1e-5)


def test_sparse_and_dense_features_agree():
    X, y = make_task(7, n_samples=150, n_features=6)
    X[np.abs(X) < 1.0] = 0.0
    assert transrate_score(sp.csr_matrix(X), y) == pytest.approx(
        transrate_score(X, y), rel=1e-10
    )


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_samples=st.integers(4, 60),
    n_features=st.integers(1, 8),
    n_classes=st.integers(2, 5),
)
def test_transrate_lies_between_zero_and_the_coding_rate(
    seed, n_samples, n_features, n_classes
):
    # log det is concave and Z^T Z / n = sum_c (n_c / n) Z_c^T Z_c / n_c.
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    y = np.arange(n_samples) % n_classes
    rng.shuffle(y)
    score = transrate_score(X, y)
    Z = X - X.mean(axis=0)
    assert -1e-9 <= score <= coding_rate(Z, 1e-4) + 1e-9


def test_classes_with_the_same_distribution_score_zero():
    A = np.random.default_rng(8).standard_normal((50, 4))
    X = np.vstack([A, A, A])
    y = np.repeat([0, 1, 2], 50)
    assert transrate_score(X, y) == pytest.approx(0.0, abs=1e-10)


def test_better_separated_classes_score_higher():
    rng = np.random.default_rng(9)
    y = rng.integers(0, 3, 300)
    centres = rng.standard_normal((3, 5))
    noise = rng.standard_normal((300, 5))
    assert transrate_score(noise + 3 * centres[y], y) > transrate_score(
        noise + 0.3 * centres[y], y
    )


@pytest.mark.parametrize(
    "X, y, kwargs, error, match",
    [
        ([[0.0, np.nan], [1.0, 2.0]], [0, 1], {}, ValueError, "NaN or infinity"),
        ([[0.0], [1.0], [2.0]], [1, 1, 1], {}, ValueError, "single class.*TransRate"),
        ([[0.0], [1.0], [2.0]], [0, 1], {}, ValueError, "2 labels but .* 3"),
        (np.empty((0, 2)), [], {}, ValueError, "X is empty"),
        ([0.0, 1.0, 2.0], [0, 1, 0], {}, ValueError, "X must be 2-D"),
        ([[0.0], [1.0]], [[0, 1], [1, 0]], {}, ValueError, "y must be 1-D"),
        ([[0.0], [1.0]], [0, 1], {"eps": 0.0}, ValueError, "eps"),
        ([[0.0], [1.0]], [0, 1], {"eps": "1e-4"}, ValueError, "eps"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(X, y, kwargs, error, match):
    with pytest.raises(error, match=match):
        transrate_score(X, y, **kwargs)


def test_scorer_scores_the_representation():
    X, y = load_digits(return_X_y=True)
    X, y = X[:400], y[:400]
    pca = PCA(8, random_state=0).fit(X)
    assert TransRateScorer()(pca, X, y) == transrate_score(pca.transform(X), y)
    assert TransRateScorer(eps=0.1)(pca, X, y) == transrate_score(
        pca.transform(X), y, eps=0.1
    )
    assert repr(TransRateScorer()) == "TransRateScorer()"
    assert repr(TransRateScorer(eps=0.1)) == "TransRateScorer(eps=0.1)"
    with pytest.raises(ValueError, match="eps"):
        TransRateScorer(eps=-1.0)


def test_registry_name_gives_the_function_and_the_scorer():
    metric = get_metric("transrate")
    assert metric.input == "features"
    assert isinstance(metric.scorer(), TransRateScorer)
    X, y = make_task(10, n_samples=100, n_features=3, n_classes=2)
    assert metric.score(X, y) == transrate_score(X, y)
