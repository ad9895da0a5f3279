import numpy as np
import pytest
import scipy.optimize
import scipy.sparse as sp
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktransfer._engine import SufficientStatistics
from sktransfer.metrics import LogMEScorer, get_metric, logme_score
from sktransfer.metrics._logme import logme_from_statistics


def logme_reference(F, y, regression=False):
    """The published fixed-point algorithm, one target column at a time.

    You et al. (JMLR 2022): the SVD of the uncentred features, the updates of
    gamma, alpha and beta from alpha = beta = 1, here iterated to convergence
    and without the 1e-5 safeguards of the authors' code; the log-determinant
    counts all D eigenvalues of F^T F.
    """
    F = np.asarray(F, dtype=np.float64)
    n, D = F.shape
    u, s, _ = np.linalg.svd(F, full_matrices=False)
    sigma = s**2
    if regression:
        targets = np.asarray(y, dtype=np.float64).reshape(n, -1).T
    else:
        targets = [(np.asarray(y) == c).astype(float) for c in np.unique(y)]
    evidences = []
    for t in targets:
        x = u.T @ t
        outside = t @ t - x @ x  # the part of t outside the span of F
        alpha, beta = 1.0, 1.0
        for _ in range(10_000):
            ratio = alpha / beta
            gamma = np.sum(sigma / (sigma + ratio))
            m_norm = np.sum(sigma * x**2 / (ratio + sigma) ** 2)
            residual = np.sum(x**2 / (1 + sigma / ratio) ** 2) + outside
            alpha = gamma / m_norm
            beta = (n - gamma) / residual
            if abs(alpha / beta - ratio) <= 1e-13 * ratio:
                break
        all_sigma = np.concatenate([sigma, np.zeros(D - sigma.size)])
        evidence = (
            D / 2 * np.log(alpha)
            + n / 2 * np.log(beta)
            - 0.5 * np.sum(np.log(alpha + beta * all_sigma))
            - beta / 2 * residual
            - alpha / 2 * m_norm
            - n / 2 * np.log(2 * np.pi)
        )
        evidences.append(evidence / n)
    return float(np.mean(evidences))


def marginal_log_likelihood(F, t, log_alpha, log_beta):
    """log N(t; 0, F F^T / alpha + I / beta) per sample: the evidence, by definition."""
    n = len(t)
    covariance = F @ F.T * np.exp(-log_alpha) + np.eye(n) * np.exp(-log_beta)
    eigenvalues, vectors = np.linalg.eigh(covariance)
    if eigenvalues[0] <= 1e-12 * eigenvalues[-1]:
        return -np.inf  # numerically singular: no trustworthy value here
    logdet = np.sum(np.log(eigenvalues))
    quadratic = np.sum((vectors.T @ t) ** 2 / eigenvalues)
    return (-0.5 * quadratic - 0.5 * logdet - n / 2 * np.log(2 * np.pi)) / n


def make_task(seed, n_samples=300, n_features=6, n_classes=4, offset=2.0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n_samples)
    mixing = rng.standard_normal((n_features, n_features))
    X = rng.standard_normal((n_samples, n_features)) @ mixing
    X += rng.standard_normal((n_classes, n_features))[y] + offset
    return X, y


def maximum_log_evidence(F, y):
    """LogME by numerical maximisation of the marginal likelihood.

    Over log(beta) for each log(alpha / beta) (Brent), and over log(alpha /
    beta) on a grid refined by Brent; the range [-40, 40] reaches the limits
    of an evidence that is largest at alpha / beta -> 0 or infinity.
    """
    F = np.asarray(F, dtype=np.float64)

    def best_over_beta(log_ratio, t):
        result = scipy.optimize.minimize_scalar(
            lambda lb: -marginal_log_likelihood(F, t, log_ratio + lb, lb),
            bounds=(-40.0, 40.0),
            method="bounded",
            options={"xatol": 1e-10},
        )
        return -result.fun

    maxima = []
    for c in np.unique(y):
        t = (np.asarray(y) == c).astype(float)
        grid = np.linspace(-40.0, 40.0, 41)
        values = [best_over_beta(g, t) for g in grid]
        i = int(np.argmax(values))
        result = scipy.optimize.minimize_scalar(
            lambda lr, t=t: -best_over_beta(lr, t),
            bounds=(grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]),
            method="bounded",
            options={"xatol": 1e-10},
        )
        maxima.append(max(-result.fun, values[i]))
    return float(np.mean(maxima))


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize(
    "shape", [(300, 6, 4), (100, 10, 2), (500, 30, 10), (40, 60, 3)]
)
def test_logme_matches_the_published_fixed_point_algorithm(seed, shape):
    n_samples, n_features, n_classes = shape
    X, y = make_task(seed, n_samples, n_features, n_classes)
    assert logme_score(X, y) == pytest.approx(logme_reference(X, y), rel=1e-10)


@pytest.mark.parametrize("seed", range(2))
def test_fixed_point_is_the_maximum_of_the_evidence(seed):
    X, y = make_task(seed, n_samples=60, n_features=5, n_classes=2)
    assert logme_score(X, y) == pytest.approx(maximum_log_evidence(X, y), rel=1e-9)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("shape", [(20, 20, 5), (10, 40, 3), (15, 60, 3)])
def test_as_many_features_as_samples_give_the_supremum_of_the_evidence(seed, shape):
    # F then fits any target exactly and the published iteration may run
    # alpha / beta to 0 or infinity, where the evidence tends to a limit.
    n_samples, n_features, n_classes = shape
    X, y = make_task(seed, n_samples, n_features, n_classes)
    score = logme_score(X, y)
    assert score == pytest.approx(maximum_log_evidence(X, y), rel=1e-7)


@pytest.mark.parametrize("n_targets", [1, 3])
def test_regression_form_matches_the_published_algorithm(n_targets):
    X, _ = make_task(4, n_samples=200, n_features=8)
    rng = np.random.default_rng(0)
    Y = X @ rng.standard_normal((8, n_targets)) + rng.standard_normal((200, n_targets))
    y = Y[:, 0] if n_targets == 1 else Y
    expected = logme_reference(X, y, regression=True)
    assert logme_score(X, y, regression=True) == pytest.approx(expected, rel=1e-10)


def test_regression_scores_the_better_explained_target_higher():
    X, _ = make_task(5, n_samples=300, n_features=4)
    rng = np.random.default_rng(1)
    signal = X @ [1.0, -1.0, 0.5, 0.0]
    close = signal + 0.1 * rng.standard_normal(300)
    far = signal + 3.0 * rng.standard_normal(300)
    assert logme_score(X, close, regression=True) > logme_score(X, far, regression=True)


def test_float32_and_float64_inputs_agree():
    X, y = make_task(6, n_samples=400, n_features=12, n_classes=5)
    X32 = X.astype(np.float32)
    assert logme_score(X32, y) == pytest.approx(
        logme_score(X32.astype(np.float64), y), rel=1e-9
    )
    assert logme_score(X32, y) == pytest.approx(logme_score(X, y), rel=1e-5)
    target = X[:, 0] + X[:, 1]
    assert logme_score(X32, target, regression=True) == pytest.approx(
        logme_score(X32.astype(np.float64), target, regression=True), rel=1e-9
    )


def test_float32_features_with_a_large_mean_keep_their_small_directions():
    # The uncentred mean direction is ~1e4 times the others in singular value:
    # beyond float32's epsilon, well within float64's.
    rng = np.random.default_rng(17)
    y = rng.integers(0, 5, 20_000)
    centres = 0.005 * rng.standard_normal((5, 64))
    X = (1.0 + 0.01 * rng.standard_normal((20_000, 64)) + centres[y]).astype(np.float32)
    assert logme_score(X, y) == pytest.approx(
        logme_score(X.astype(np.float64), y), rel=1e-8
    )


def test_statistics_path_scores_every_label_vector_at_once():
    X, y = make_task(7, n_samples=250, n_features=5, n_classes=3)
    z = (X[:, 0] > np.median(X[:, 0])).astype(int)
    codes = np.column_stack([y, z])
    stats = SufficientStatistics.from_data(X, codes, (3, 2))
    np.testing.assert_allclose(
        logme_from_statistics(stats), [logme_score(X, y), logme_score(X, z)], rtol=1e-12
    )
    np.testing.assert_allclose(
        logme_score(X, codes), logme_from_statistics(stats), rtol=1e-12
    )
    assert get_metric("logme").statistics(stats)[0] == pytest.approx(
        logme_score(X, y), rel=1e-12
    )


def test_statistics_of_two_halves_merged_give_the_whole():
    X, y = make_task(8, n_samples=300, n_features=7, n_classes=4)
    codes = y[:, None]
    halves = [
        SufficientStatistics.from_data(X[rows], codes[rows], (4,))
        for rows in (slice(0, 130), slice(130, None))
    ]
    merged = halves[0].merge(halves[1])
    assert logme_from_statistics(merged)[0] == pytest.approx(
        logme_score(X, y), rel=1e-10
    )


def test_logme_is_invariant_to_rotations_and_global_scale_not_to_centring():
    X, y = make_task(9, n_samples=200, n_features=5)
    rotation, _ = np.linalg.qr(np.random.default_rng(2).standard_normal((5, 5)))
    assert logme_score(X @ rotation, y) == pytest.approx(logme_score(X, y), rel=1e-10)
    assert logme_score(1e4 * X, y) == pytest.approx(logme_score(X, y), rel=1e-10)
    # The published algorithm reads F uncentred: centring is a different model.
    assert logme_score(X - X.mean(axis=0), y) != pytest.approx(
        logme_score(X, y), rel=1e-6
    )


def test_more_features_than_samples_give_a_finite_score():
    X, y = make_task(10, n_samples=30, n_features=200, n_classes=3)
    score = logme_score(X, y)
    assert np.isfinite(score)
    assert score == pytest.approx(logme_reference(X, y), rel=1e-10)


def test_a_perfect_linear_fit_gives_a_large_finite_score():
    X, y = make_task(11, n_samples=200, n_features=4, n_classes=3)
    onehot = (y[:, None] == np.arange(3)).astype(float)
    perfect = logme_score(np.hstack([X, onehot]), y)
    assert np.isfinite(perfect)
    assert perfect > logme_score(X, y) + 5


def test_a_target_orthogonal_to_every_feature_scores_the_noise_only_model():
    X = np.array([[1.0], [-1.0], [1.0], [-1.0]])
    y = np.array([0, 0, 1, 1])  # each class sums to zero: F^T t = 0
    n_c, n = 2, 4
    expected = 0.5 * np.log(n / n_c) - 0.5 - 0.5 * np.log(2 * np.pi)
    assert logme_score(X, y) == pytest.approx(expected, rel=1e-12)


def test_better_separated_classes_score_higher():
    rng = np.random.default_rng(12)
    y = rng.integers(0, 3, 400)
    centres = rng.standard_normal((3, 5))
    noise = rng.standard_normal((400, 5))
    assert logme_score(noise + 3 * centres[y], y) > logme_score(
        noise + 0.3 * centres[y], y
    )


def test_sparse_and_dense_features_agree():
    X, y = make_task(13, n_samples=150, n_features=6)
    X[np.abs(X) < 1.0] = 0.0
    assert logme_score(sp.csr_matrix(X), y) == pytest.approx(
        logme_score(X, y), rel=1e-10
    )
    assert logme_score(sp.csr_matrix(X), X[:, 0], regression=True) == pytest.approx(
        logme_score(X, X[:, 0], regression=True), rel=1e-10
    )


def test_string_labels_score_as_their_codes():
    X, y = make_task(14, n_samples=100, n_features=3, n_classes=2)
    names = np.array(["cat", "dog"])[y]
    assert logme_score(X, names) == logme_score(X, y)


@pytest.mark.parametrize(
    "X, y, regression, error, match",
    [
        ([[0.0, np.nan], [1.0, 2.0]], [0, 1], False, ValueError, "NaN or infinity"),
        ([[0.0], [1.0], [2.0]], [1, 1, 1], False, ValueError, "single class.*LogME"),
        ([[0.0], [1.0], [2.0]], [0, 1], False, ValueError, "2 labels but .* 3"),
        (np.empty((0, 2)), [], False, ValueError, "X is empty"),
        ([0.0, 1.0, 2.0], [0, 1, 0], False, ValueError, "X must be 2-D"),
        ([[0.0], [1.0], [2.0]], [0.5, 1.0, 2.0], False, ValueError, "continuous"),
        ([[0.0], [1.0], [2.0]], [0.5, np.inf, 2.0], True, ValueError, "y contains"),
        ([[0.0], [1.0], [2.0]], ["a", "b", "c"], True, TypeError, "real numbers"),
        ([[0.0], [1.0], [2.0]], [1.0, 2.0], True, ValueError, "2 targets but"),
        ([[0.0], [1.0]], np.zeros((2, 1, 1)), True, ValueError, "1-D or 2-D"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(X, y, regression, error, match):
    with pytest.raises(error, match=match):
        logme_score(X, y, regression=regression)


def test_bad_regression_parameter_is_refused():
    with pytest.raises(ValueError, match="regression"):
        logme_score([[0.0], [1.0]], [0, 1], regression="yes")
    with pytest.raises(ValueError, match="regression"):
        LogMEScorer(regression=1.5)


def test_scorer_scores_the_representation_of_a_pipeline():
    X, y = load_digits(return_X_y=True)
    X, y = X[:400], y[:400]
    pca = PCA(8, random_state=0).fit(X)
    assert LogMEScorer()(pca, X, y) == logme_score(pca.transform(X), y)
    pipe = make_pipeline(StandardScaler(), PCA(8, random_state=0)).fit(X)
    target = X[:, 20]
    assert LogMEScorer(regression=True)(pipe, X, target) == logme_score(
        pipe.transform(X), target, regression=True
    )
    assert repr(LogMEScorer()) == "LogMEScorer()"
    assert repr(LogMEScorer(regression=True)) == "LogMEScorer(regression=True)"


def test_registry_name_gives_the_function_and_the_scorer():
    metric = get_metric("logme")
    assert metric.input == "features"
    assert isinstance(metric.scorer(), LogMEScorer)
    X, y = make_task(15, n_samples=100, n_features=3, n_classes=2)
    assert metric.score(X, y) == logme_score(X, y)


def test_empty_classes_of_the_statistics_are_left_out():
    X, y = make_task(16, n_samples=80, n_features=3, n_classes=3)
    stats = SufficientStatistics.from_data(X, y[:, None], (4,))  # class 3 empty
    assert logme_from_statistics(stats)[0] == pytest.approx(
        logme_score(X, y), rel=1e-12
    )
