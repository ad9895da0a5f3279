"""Tests of the conditional entropy of label sequences and of task hardness."""

import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sktransfer._engine import contingency_table
from sktransfer.metrics._entropy import conditional_entropy, task_hardness
from tests.datasets.data_home import shared_folder


def reference_conditional_entropy(y, z):
    """H(Y|Z) = -sum_{y,z} P(y,z) log(P(y,z) / P(z)), straight from the definition."""
    y, z = list(y), list(z)
    n = len(y)
    joint = Counter(zip(y, z, strict=True))
    source = Counter(z)
    return -sum(
        (count / n) * math.log((count / n) / (source[b] / n))
        for (_, b), count in joint.items()
    )


def reference_entropy(y):
    """H(Y) = -sum_y P(y) log P(y)."""
    y = list(y)
    n = len(y)
    return -sum((count / n) * math.log(count / n) for count in Counter(y).values())


def random_labels(seed, n, n_y, n_z):
    rng = np.random.default_rng(seed)
    z = rng.integers(0, n_z, n)
    # Make y depend on z a little, so the result is neither 0 nor H(y).
    y = (z + rng.integers(0, n_y, n) * rng.integers(0, 2, n)) % n_y
    return y, z


# Agreement with the definition ------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(("n_y", "n_z"), [(2, 3), (3, 2), (5, 40), (7, 1)])
def test_conditional_entropy_matches_definition_on_random_int_labels(seed, n_y, n_z):
    y, z = random_labels(seed, 300, n_y, n_z)
    expected = reference_conditional_entropy(y.tolist(), z.tolist())
    assert conditional_entropy(y, z) == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("seed", range(3))
def test_conditional_entropy_matches_definition_on_random_string_labels(seed):
    y, z = random_labels(seed, 200, 4, 9)
    y_names = np.array(["ant", "bee", "cat", "dog"])[y]
    z_names = np.array([f"source-{i}" for i in range(9)])[z]
    expected = reference_conditional_entropy(y_names.tolist(), z_names.tolist())
    assert conditional_entropy(y_names, z_names) == pytest.approx(expected, rel=1e-12)
    assert conditional_entropy(y_names.tolist(), z_names.tolist()) == pytest.approx(
        expected, rel=1e-12
    )


@pytest.mark.parametrize("seed", range(3))
def test_base_2_gives_bits(seed):
    y, z = random_labels(seed, 150, 3, 5)
    bits = reference_conditional_entropy(y, z) / math.log(2)
    assert conditional_entropy(y, z, base=2) == pytest.approx(bits, rel=1e-12)
    assert task_hardness(y, base=2) == pytest.approx(
        reference_entropy(y) / math.log(2), rel=1e-12
    )


def test_results_are_python_floats():
    y, z = random_labels(0, 50, 3, 4)
    assert type(conditional_entropy(y, z)) is float
    assert type(conditional_entropy(y, z, base=2)) is float
    assert type(task_hardness(y)) is float
    assert type(task_hardness([1, 1])) is float


# Properties ------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 6)), min_size=2, max_size=80
    ).filter(lambda pairs: len({a for a, _ in pairs}) >= 2)
)
def test_conditional_entropy_lies_between_zero_and_target_entropy(pairs):
    y, z = zip(*pairs, strict=True)
    h = conditional_entropy(list(y), list(z))
    assert 0.0 <= h <= task_hardness(list(y))
    assert h <= reference_entropy(y) * (1 + 1e-12)
    assert h == pytest.approx(reference_conditional_entropy(y, z), rel=1e-12, abs=0)


@pytest.mark.parametrize("seed", range(3))
def test_conditional_entropy_is_invariant_to_renaming_target_classes(seed):
    rng = np.random.default_rng(seed)
    y, z = random_labels(seed, 200, 6, 8)
    renamed = (rng.permutation(6) * 11 + 3)[y]
    assert conditional_entropy(renamed, z) == pytest.approx(
        conditional_entropy(y, z), rel=1e-13
    )


@pytest.mark.parametrize("seed", range(3))
def test_conditional_entropy_is_invariant_to_renaming_source_classes(seed):
    rng = np.random.default_rng(seed)
    y, z = random_labels(seed, 200, 6, 8)
    names = np.array([f"z{k}" for k in rng.permutation(8)])
    assert conditional_entropy(y, names[z]) == pytest.approx(
        conditional_entropy(y, z), rel=1e-13
    )


# The toy cases of Tran, Nguyen and Hassner (ICCV 2019, Fig. 1) --------------------


def test_one_to_one_mapping_gives_exactly_zero():
    z = np.random.default_rng(0).integers(0, 6, 120)
    y = np.array(["a", "b", "c", "d", "e", "f"])[(z + 2) % 6]
    assert conditional_entropy(y, z) == 0.0


def test_target_that_is_a_function_of_the_source_gives_exactly_zero():
    z = np.random.default_rng(1).integers(0, 30, 500)
    assert conditional_entropy(z % 4, z) == 0.0


def test_source_classes_split_evenly_in_two_give_log_2():
    z = np.repeat(np.arange(5), 6)
    y = 2 * z + np.tile([0, 1], 15)
    assert conditional_entropy(y, z) == pytest.approx(math.log(2), rel=1e-15)
    assert conditional_entropy(y, z, base=2) == pytest.approx(1.0, rel=1e-15)


def test_constant_source_gives_target_entropy():
    y, _ = random_labels(3, 250, 5, 5)
    h = conditional_entropy(y, np.zeros_like(y))
    assert h == task_hardness(y)
    assert h == pytest.approx(reference_entropy(y), rel=1e-12)


@pytest.mark.parametrize("seed", range(20))
def test_independent_source_gives_target_entropy_never_above_it(seed):
    # Every source class sees the same target mix: H(Y|Z) = H(Y) exactly, and
    # rounding must not lift it above H(Y) (it would, unclamped, for some seeds).
    rng = np.random.default_rng(seed)
    mix = rng.permutation(np.arange(rng.integers(4, 12)) % rng.integers(2, 5))
    n_sources = rng.integers(2, 9)
    y = np.tile(mix, n_sources)
    z = np.repeat(np.arange(n_sources), mix.size)
    h = conditional_entropy(y, z)
    assert h <= task_hardness(y)
    assert h == pytest.approx(reference_entropy(y), rel=1e-14)


# Task hardness -------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_task_hardness_matches_definition(seed):
    y, _ = random_labels(seed, 300, 7, 7)
    assert task_hardness(y) == pytest.approx(reference_entropy(y), rel=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_task_hardness_is_conditional_entropy_given_a_constant_task(seed):
    y, _ = random_labels(seed, 300, 7, 7)
    assert task_hardness(y) == conditional_entropy(y, ["trivial"] * len(y))


@pytest.mark.parametrize("n_classes", [2, 3, 10, 257])
def test_task_hardness_of_equally_frequent_classes_is_log_of_their_number(n_classes):
    y = np.repeat(np.arange(n_classes), 3)
    assert task_hardness(y) == pytest.approx(math.log(n_classes), rel=1e-14)


def test_task_hardness_of_a_single_class_is_zero():
    assert task_hardness(["only"] * 9) == 0.0
    assert task_hardness([4]) == 0.0


def test_zero_stays_positive_in_a_base_below_one():
    h = conditional_entropy([0, 1], [0, 1], base=0.5)
    assert h == 0.0
    assert math.copysign(1.0, h) == 1.0


# Kinds of label ------------------------------------------------------------------


def test_bool_labels_match_definition():
    rng = np.random.default_rng(4)
    y = rng.random(100) < 0.3
    z = rng.random(100) < 0.6
    expected = reference_conditional_entropy(y.tolist(), z.tolist())
    assert conditional_entropy(y, z) == pytest.approx(expected, rel=1e-12)
    assert task_hardness(y) == pytest.approx(reference_entropy(y.tolist()), rel=1e-12)


@pytest.mark.parametrize("dtype", [None, "category"])
def test_pandas_series_are_read_by_position_not_index(dtype):
    pd = pytest.importorskip("pandas")
    y, z = random_labels(5, 80, 3, 6)
    y_names = np.array(["x", "y", "z"])[y]
    index = np.arange(80)[::-1] + 1000
    y_series = pd.Series(y_names, index=index, dtype=dtype)
    z_series = pd.Series(z, index=np.arange(80), dtype=dtype)
    expected = reference_conditional_entropy(y_names.tolist(), z.tolist())
    assert conditional_entropy(y_series, z_series) == pytest.approx(expected, rel=1e-12)
    assert task_hardness(y_series) == pytest.approx(
        reference_entropy(y_names.tolist()), rel=1e-12
    )


def test_large_label_values_are_plain_names():
    y, z = random_labels(6, 200, 3, 5)
    big_y = y.astype(np.int64) * 10**12 + 1
    big_z = z.astype(np.int64) * 10**12 - 7
    expected = reference_conditional_entropy(y.tolist(), z.tolist())
    assert conditional_entropy(big_y, big_z) == pytest.approx(expected, rel=1e-12)


def test_integral_float_labels_match_int_labels():
    y, z = random_labels(7, 100, 3, 4)
    assert conditional_entropy(y.astype(float), z.astype(float)) == pytest.approx(
        conditional_entropy(y, z), rel=1e-15
    )


def test_source_with_a_hundred_thousand_classes():
    rng = np.random.default_rng(8)
    z = rng.permutation(np.repeat(np.arange(10**5), 3))
    y = (z + rng.integers(0, 2, z.size)) % 3
    expected = reference_conditional_entropy(y.tolist(), z.tolist())
    assert conditional_entropy(y, z) == pytest.approx(expected, rel=1e-12)


def test_target_with_a_hundred_thousand_classes():
    rng = np.random.default_rng(9)
    y = rng.permutation(np.repeat(np.arange(10**5), 2))
    z = y // 1000 + rng.integers(0, 2, y.size)
    assert conditional_entropy(y, z) == pytest.approx(
        reference_conditional_entropy(y.tolist(), z.tolist()), rel=1e-12
    )
    assert task_hardness(y) == pytest.approx(math.log(10**5), rel=1e-14)


# The contingency table -------------------------------------------------------------


@pytest.mark.parametrize(
    ("n_y", "n_z"),
    [(3, 4), (2, 1), (50, 60)],  # the last has more cells than twice the samples
)
def test_contingency_table_counts_every_cell(n_y, n_z):
    rng = np.random.default_rng(10)
    y_codes = rng.integers(0, n_y, 400)
    z_codes = rng.integers(0, n_z, 400)
    table = contingency_table(y_codes, z_codes, n_y, n_z)
    expected = np.zeros((n_z, n_y), dtype=np.int64)
    for (a, b), count in Counter(zip(y_codes, z_codes, strict=True)).items():
        expected[b, a] = count
    assert table.shape == (n_z, n_y)
    assert table.dtype == np.int64
    assert table.has_canonical_format
    assert np.all(table.data > 0)
    np.testing.assert_array_equal(table.toarray(), expected)


def test_contingency_table_keeps_rows_of_absent_source_codes():
    table = contingency_table(np.array([0, 1, 1]), np.array([2, 2, 0]), 2, 4)
    np.testing.assert_array_equal(table.toarray(), [[0, 1], [0, 0], [1, 1], [0, 0]])


# Bad input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("y", "z", "error", "message"),
    [
        ([0, 1, 0], [0, 1], ValueError, "y has 3 labels but z has 2"),
        ([], [], ValueError, "y is empty"),
        ([0, 1], [], ValueError, "z is empty"),
        ([0.0, np.nan, 1.0], [0, 1, 1], ValueError, "y contains NaN"),
        ([0, 1, 1], [0.0, 1.0, np.inf], ValueError, "z contains NaN or infinity"),
        (["a", None, "b"], [0, 1, 1], ValueError, "y contains None or NaN"),
        ([0, 1, 1], np.array([1, None, 2]), ValueError, "z contains None or NaN"),
        ([1, "a", 2], [0, 1, 1], TypeError, "y mixes label types"),
        ([0, 1, 1], np.array([1, "a", 2], dtype=object), TypeError, "z mixes"),
        (np.zeros((4, 2)), [0, 1, 0, 1], ValueError, r"y must be 1-D .* \(4, 2\)"),
        ([0, 1, 0, 1], np.zeros((4, 3)), ValueError, r"z must be 1-D"),
        ([0.5, 1.0, 2.0], [0, 1, 1], ValueError, "y has non-integer float values"),
        ([0, 1, 1], [0.1, 0.2, 0.3], ValueError, "z has non-integer float values"),
        ([0, 1, 1], [1j, 2j, 1j], TypeError, "z must hold class labels"),
        ([7, 7, 7], [0, 1, 2], ValueError, r"y has a single class \(7\)"),
        (["a"], ["b"], ValueError, r"y has a single class \('a'\); .* at least two"),
        (3, [0, 1], ValueError, "'y' parameter of conditional_entropy"),
        ([0, 1], "ab", ValueError, "'z' parameter of conditional_entropy"),
    ],
)
def test_conditional_entropy_rejects_bad_labels(y, z, error, message):
    with pytest.raises(error, match=message):
        conditional_entropy(y, z)


@pytest.mark.parametrize(
    ("y", "error", "message"),
    [
        ([], ValueError, "y is empty"),
        ([1.0, np.nan], ValueError, "y contains NaN"),
        (np.ones((3, 2)), ValueError, "y must be 1-D"),
        ([0.25, 1.0], ValueError, "y has non-integer float values"),
        (["a", 1], TypeError, "y mixes label types"),
        (None, ValueError, "'y' parameter of task_hardness"),
    ],
)
def test_task_hardness_rejects_bad_labels(y, error, message):
    with pytest.raises(error, match=message):
        task_hardness(y)


@pytest.mark.parametrize("base", [1, 1.0, 0, -2, np.inf, np.nan, "2", True])
def test_base_must_be_positive_and_not_one(base):
    message = "'base' parameter of conditional_entropy must be None, a float in"
    with pytest.raises(ValueError, match=message):
        conditional_entropy([0, 1], [0, 0], base=base)
    with pytest.raises(ValueError, match="'base' parameter of task_hardness"):
        task_hardness([0, 1], base=base)


# Real labels: CelebA attributes given identities ------------------------------------


def test_celeba_attributes_given_identity_match_a_grouped_count():
    path = shared_folder("celeba", "celeba_labels.npz") / "celeba_labels.npz"
    pd = pytest.importorskip("pandas")
    data = np.load(path, allow_pickle=False)
    attributes = data["attributes"]
    names = list(data["attribute_names"])
    frame = pd.DataFrame(attributes, columns=names)
    frame["identity"] = data["identity"]
    n = len(frame)
    assert attributes.shape == (202_599, 40)
    assert frame["identity"].nunique() == 10_177

    p_id = frame.groupby("identity").size() / n
    for name in names:
        # Independent reference: a grouped count of (identity, attribute) pairs.
        p_pair = frame.groupby(["identity", name]).size() / n
        p_id_of_pair = p_id.reindex(p_pair.index.get_level_values("identity"))
        ratio = p_pair.to_numpy() / p_id_of_pair.to_numpy()
        expected_conditional = -np.sum(p_pair.to_numpy() * np.log(ratio))
        p_value = frame[name].value_counts(normalize=True).to_numpy()
        expected_entropy = -np.sum(p_value * np.log(p_value))

        conditional = conditional_entropy(frame[name], frame["identity"])
        hardness = task_hardness(attributes[:, names.index(name)])
        assert conditional == pytest.approx(expected_conditional, rel=1e-12), name
        assert hardness == pytest.approx(expected_entropy, rel=1e-12), name
        assert 0.0 <= conditional <= hardness, name

    # An identity nearly fixes the gender label: little is left to know.
    assert conditional_entropy(frame["Male"], frame["identity"]) < 0.05
    assert task_hardness(frame["Male"]) > 0.6
