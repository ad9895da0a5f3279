import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from sktransfer.exceptions import PrecisionError
from sktransfer.metrics import (
    FeatureStatistics,
    LabelStatistics,
    ProbabilityStatistics,
    conditional_entropy,
    gbc_score,
    get_metric,
    get_scorer_names,
    h_score,
    logme_score,
    soft_conditional_entropy,
)
from sktransfer.metrics._hscore import TOLERANCE

# Streamed and in-memory statistics are built on routes (and chunks) of their
# own, each certified to within TOLERANCE of the exact score of the same
# numbers, so they agree to twice that.
RTOL = 2 * TOLERANCE
IN_MEMORY = {
    "h_score": h_score,
    "regularized_h_score": lambda X, y: h_score(X, y, shrinkage="ledoit_wolf"),
    "logme": logme_score,
    "gbc": gbc_score,
    "gbc_spherical": lambda X, y: gbc_score(X, y, gaussian="spherical"),
}


def late_string_labels(n_samples, rng):
    """Labels as strings, with class 'late' first appearing in the last 20%."""
    labels = rng.choice(["ant", "bee", "cat"], size=n_samples).astype(object)
    late = np.arange(n_samples) >= int(0.8 * n_samples)
    labels[late & (rng.random(n_samples) < 0.5)] = "late"
    return labels.astype(str)


def features(labels, dtype, rng, n_features=6):
    classes, codes = np.unique(labels, return_inverse=True)
    centres = rng.normal(size=(classes.size, n_features)) * 2
    X = centres[codes] + rng.normal(size=(labels.size, n_features))
    X[:, 1] *= 1e6  # scales far apart
    if dtype == np.float64:
        # Near-collinear features, which float64 input keeps exactly (QR route).
        # Float32 input takes the Gram route in memory as well, accurate only
        # to about cond^2 * eps(float64), so it is compared on tamer features.
        X[:, 2] = X[:, 0] * 1e4 + X[:, 2]
    return X.astype(dtype)


def chunks(n_samples, sizes):
    """Row slices of the given sizes, repeated until n_samples is covered."""
    start, i = 0, 0
    while start < n_samples:
        stop = min(start + sizes[i % len(sizes)], n_samples)
        yield slice(start, stop)
        start, i = stop, i + 1


@pytest.mark.parametrize("sizes", [[1], [7], [100], [3, 50, 1, 17, 200]])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("metric", sorted(IN_MEMORY))
def test_feature_statistics_equal_the_in_memory_metric(sizes, dtype, metric):
    rng = np.random.default_rng(0)
    n_samples = 60 if sizes == [1] else 400
    y = late_string_labels(n_samples, rng)
    X = features(y, dtype, rng)
    # Features on scales 1e6 apart: the float32 route's certificate refuses
    # the regularised score (see the test of the default route below), so
    # the chunks are summed on the float64 Gram route.
    stats = FeatureStatistics(metric=metric, route="gram64")
    for rows in chunks(n_samples, sizes):
        stats.partial_fit(X[rows], y[rows])
    np.testing.assert_allclose(stats.score(), IN_MEMORY[metric](X, y), rtol=RTOL)
    assert stats.n_samples_seen_ == n_samples
    assert list(stats.classes_) == ["ant", "bee", "cat", "late"]


def test_every_metric_scored_from_one_accumulator():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 4, size=300)
    X = features(y, np.float64, rng)
    # Built for GBC, an accumulator also gathers the class variances it reads.
    stats = (
        FeatureStatistics(metric="gbc")
        .partial_fit(X[:100], y[:100])
        .partial_fit(X[100:], y[100:])
    )
    for metric, function in IN_MEMORY.items():
        np.testing.assert_allclose(
            stats.score(metric=metric), function(X, y), rtol=RTOL
        )


def test_a_class_first_seen_in_chunk_five():
    rng = np.random.default_rng(2)
    y = np.repeat([0, 1], 150)
    rng.shuffle(y)
    y[-30:] = 7  # chunks of 50: class 7 appears only in the sixth chunk
    X = features(y, np.float64, rng)
    stats = FeatureStatistics()
    for rows in chunks(300, [50]):
        stats.partial_fit(X[rows], y[rows])
    np.testing.assert_allclose(stats.score(), h_score(X, y), rtol=RTOL)
    np.testing.assert_array_equal(stats.classes_, [0, 1, 7])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_merge_of_accumulators_over_disjoint_classes(dtype):
    rng = np.random.default_rng(3)
    y = late_string_labels(500, rng)
    X = features(y, dtype, rng)
    first = FeatureStatistics().partial_fit(X[:50], y[:50])
    parts = [
        FeatureStatistics(metric="gbc", route="gram64").partial_fit(X[r], y[r])
        for r in chunks(500, [37])
    ]
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    for metric, function in IN_MEMORY.items():
        np.testing.assert_allclose(merged.score(metric), function(X, y), rtol=RTOL)
    # merging leaves its inputs untouched, and an empty accumulator is neutral
    assert first.n_samples_seen_ == 50
    assert FeatureStatistics(metric="gbc").merge(merged).score() == merged.score()
    assert merged.merge(FeatureStatistics()).score() == merged.score()


def test_memory_does_not_grow_with_the_number_of_chunks():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 3, size=2000)
    X = features(y, np.float64, rng, n_features=5)
    stats = FeatureStatistics()
    for rows in chunks(2000, [10]):
        stats.partial_fit(X[rows], y[rows])
    assert stats.statistics_.factor.shape[0] <= 5
    assert stats.statistics_.class_means.shape == (3, 5)


@pytest.mark.parametrize(
    ("metric", "reason"),
    [
        ("nleep", "Gaussian mixture"),
        ("transrate", "second moments of each class"),
    ],
)
def test_metrics_that_cannot_stream_say_why(metric, reason):
    stats = FeatureStatistics().partial_fit([[0.0], [1.0]], [0, 1])
    with pytest.raises(
        ValueError, match=rf"'{metric}' cannot be computed by stre.*{reason}"
    ):
        stats.score(metric=metric)


def test_streamed_gbc_keeps_features_constant_within_a_class_exact():
    # Class 1 holds one value of feature 0 in every chunk: a point mass, whose
    # overlap GBC takes as a limit; merged variances must stay exactly 0.
    rng = np.random.default_rng(9)
    y = rng.integers(0, 3, size=300)
    X = rng.normal(size=(300, 3)) + y[:, None]
    X[y == 1, 0] = 2.5
    stats = FeatureStatistics(metric="gbc")
    for rows in chunks(300, [13, 40]):
        stats.partial_fit(X[rows], y[rows])
    assert stats.class_moments_[2][1, 0] == 0.0
    assert stats.score() == pytest.approx(gbc_score(X, y), rel=1e-12)


@pytest.mark.parametrize("metric", ["gbc", "gbc_spherical"])
def test_gbc_streams_only_from_an_accumulator_built_for_it(metric):
    stats = FeatureStatistics().partial_fit([[0.0], [1.0]], [0, 1])
    with pytest.raises(ValueError, match=rf"FeatureStatistics\(metric='{metric}'\)"):
        stats.score(metric=metric)


def test_feature_statistics_refuse_label_metrics_and_unknown_names():
    stats = FeatureStatistics().partial_fit([[0.0], [1.0]], [0, 1])
    with pytest.raises(ValueError, match="reads source labels.*use LabelStatistics"):
        stats.score("neg_conditional_entropy")
    with pytest.raises(ValueError, match="unknown metric 'nope'"):
        stats.score("nope")
    with pytest.raises(ValueError, match="'metric' parameter"):
        stats.score(3)


def test_feature_statistics_reject_bad_chunks():
    stats = FeatureStatistics()
    with pytest.raises(NotFittedError, match="has seen no data"):
        stats.score()
    with pytest.raises(ValueError, match="NaN"):
        FeatureStatistics().partial_fit([[np.nan], [1.0]], [0, 1])
    with pytest.raises(ValueError, match="y has 3 labels but X has 2 rows"):
        stats.partial_fit([[0.0], [1.0]], [0, 1, 1])
    with pytest.raises(ValueError, match="X must be 2-D"):
        stats.partial_fit([0.0, 1.0], [0, 1])
    with pytest.raises(ValueError, match="y must be 1-D"):
        stats.partial_fit([[0.0], [1.0]], [[0, 1], [1, 0]])
    stats.partial_fit([[0.0, 1.0], [1.0, 0.0]], [0, 0])
    with pytest.raises(ValueError, match="X has 3 features but earlier chunks had 2"):
        stats.partial_fit([[0.0, 1.0, 2.0]], [1])
    with pytest.raises(TypeError, match="holds string labels but earlier chunks"):
        stats.partial_fit([[0.0, 1.0]], ["a"])
    with pytest.raises(ValueError, match=r"single class \(0\).*at least two classes"):
        stats.score()
    with pytest.raises(TypeError, match="can only merge a FeatureStatistics"):
        stats.merge(LabelStatistics())


@pytest.mark.parametrize("sizes", [[1], [7], [100], [3, 50, 1, 17, 200]])
def test_label_statistics_equal_conditional_entropy(sizes):
    rng = np.random.default_rng(5)
    y = late_string_labels(500, rng)
    z = rng.integers(0, 40, size=500)
    z[-10:] = 99  # a source class seen only at the end
    stats = LabelStatistics()
    for rows in chunks(500, sizes):
        stats.partial_fit(y[rows], z[rows])
    np.testing.assert_allclose(
        stats.conditional_entropy(), conditional_entropy(y, z), rtol=RTOL
    )
    np.testing.assert_allclose(
        stats.conditional_entropy(base=2), conditional_entropy(y, z, base=2), rtol=RTOL
    )
    assert stats.score() == 0.0 - stats.conditional_entropy()


def test_label_statistics_merge_and_edge_cases():
    rng = np.random.default_rng(6)
    y, z = rng.integers(0, 3, size=200), rng.choice(["p", "q", "r"], size=200)
    parts = [LabelStatistics().partial_fit(y[r], z[r]) for r in chunks(200, [30])]
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    np.testing.assert_allclose(
        merged.conditional_entropy(), conditional_entropy(y, z), rtol=RTOL
    )
    assert LabelStatistics().partial_fit([0, 1], [5, 6]).conditional_entropy() == 0.0
    with pytest.raises(ValueError, match="y has 2 labels but z has 3"):
        LabelStatistics().partial_fit([0, 1], [0, 1, 2])
    with pytest.raises(ValueError, match="y contains NaN"):
        LabelStatistics().partial_fit([0.0, np.nan], [0, 1])
    with pytest.raises(ValueError, match="'leep' cannot be computed by streaming"):
        LabelStatistics().score("leep")


@pytest.mark.parametrize("sizes", [[1], [7], [100], [3, 50, 1, 17, 200]])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_probability_statistics_equal_soft_conditional_entropy(sizes, dtype):
    rng = np.random.default_rng(7)
    y = late_string_labels(400, rng)
    proba = rng.dirichlet(np.ones(5), size=400).astype(dtype)
    stats = ProbabilityStatistics()
    for rows in chunks(400, sizes):
        stats.partial_fit(y[rows], proba[rows])
    expected = soft_conditional_entropy(y, proba)
    np.testing.assert_allclose(stats.soft_conditional_entropy(), expected, rtol=RTOL)
    parts = [
        ProbabilityStatistics().partial_fit(y[r], proba[r]) for r in chunks(400, [90])
    ]
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    np.testing.assert_allclose(merged.score(), -expected, rtol=RTOL)


def test_leep_cannot_stream_in_one_pass():
    stats = ProbabilityStatistics().partial_fit([0, 1], [[0.5, 0.5], [0.2, 0.8]])
    with pytest.raises(
        ValueError,
        match=r"'leep' cannot be computed by streaming.*P\(y\|z\) of the whole",
    ):
        stats.score(metric="leep")


def test_probability_statistics_reject_bad_chunks():
    stats = ProbabilityStatistics().partial_fit([0, 1], [[0.5, 0.5], [0.2, 0.8]])
    with pytest.raises(
        ValueError, match="source_proba has 3 columns but earlier chunks had 2"
    ):
        stats.partial_fit([0], [[0.2, 0.3, 0.5]])
    with pytest.raises(ValueError, match="y has 2 labels but source_proba has 1 rows"):
        stats.partial_fit([0, 1], [[0.5, 0.5]])
    with pytest.raises(ValueError, match="source_proba contains NaN"):
        stats.partial_fit([0], [[np.nan, 1.0]])
    with pytest.raises(ValueError, match="source_proba must be 2-D"):
        stats.partial_fit([0, 1], [0.5, 0.5])
    with pytest.raises(ValueError, match="cannot merge probabilities of 2 and 3"):
        stats.merge(ProbabilityStatistics().partial_fit([0], [[0.2, 0.3, 0.5]]))


def test_every_registered_feature_metric_streams_or_says_why():
    rng = np.random.default_rng(8)
    y = rng.integers(0, 3, size=120)
    X = features(y, np.float64, rng)
    for name in get_scorer_names(input="features"):
        stats = FeatureStatistics(metric=name).partial_fit(X, y)
        if get_metric(name).statistics is None and not name.startswith("gbc"):
            with pytest.raises(ValueError, match=f"'{name}' cannot be computed by str"):
                stats.score(name)
        else:
            np.testing.assert_allclose(
                stats.score(name), get_metric(name).score(X, y), rtol=RTOL
            )


def test_the_default_route_of_float32_chunks_is_certified_or_refused():
    # Float32 chunks are summed on the float32 Gram route by default; a score
    # it cannot vouch for to 1e-6 is refused by name, not returned.
    rng = np.random.default_rng(5)
    y = late_string_labels(400, rng)
    X = features(y, np.float32, rng)
    stats = FeatureStatistics()
    for rows in chunks(400, [100]):
        stats.partial_fit(X[rows], y[rows])
    assert stats.statistics_.route == "gram32"
    np.testing.assert_allclose(stats.score(), h_score(X, y), rtol=RTOL)
    with pytest.raises(PrecisionError, match="route='gram64'"):
        stats.score("logme")
    assert FeatureStatistics(metric="logme").partial_fit(X, y).statistics_.route == (
        "gram64"
    )


def test_an_unknown_route_is_refused():
    with pytest.raises(ValueError, match="route"):
        FeatureStatistics(route="fast").partial_fit([[0.0], [1.0]], [0, 1])
