"""The plot of scores against measured transfer, drawn headless."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sktransfer.evaluation import rank_agreement  # noqa: E402
from sktransfer.plotting import plot_rank_agreement  # noqa: E402

# The demo's eight representations of the digits: H-score, probe accuracy.
# Four of them crowd the top right, where labels placed naively collide.
DIGITS = {
    "rbf_features_128": (6.9655, 0.9444),
    "raw_pixels": (6.0852, 0.9633),
    "pca_32": (5.8605, 0.9477),
    "pool_4x4": (4.3588, 0.9043),
    "pca_8": (4.1103, 0.8910),
    "random_projection_8": (2.3167, 0.6752),
    "pca_2": (1.4923, 0.5806),
    "noise_8": (0.0607, 0.0990),
}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def boxes(ax):
    """Display-space extents of the point labels, after drawing."""
    ax.figure.canvas.draw()
    return [text.get_window_extent() for text in ax.texts]


def marker_boxes(ax, x, y):
    radius = np.sqrt(36.0) / 2 * ax.figure.dpi / 72
    return [
        matplotlib.transforms.Bbox.from_extents(
            px - radius, py - radius, px + radius, py + radius
        )
        for px, py in ax.transData.transform(np.column_stack([x, y]))
    ]


@pytest.mark.parametrize("seed", [None, 0, 1, 2])
def test_labels_collide_with_no_label_marker_or_agreement(seed):
    names = list(DIGITS)
    x, y = (np.array(v) for v in zip(*DIGITS.values(), strict=True))
    if seed is not None:  # crowded random clouds
        rng = np.random.default_rng(seed)
        x, y = rng.normal(size=8), rng.normal(size=8)
        y = x + 0.3 * y
    ax = plot_rank_agreement(x, y, source_names=names)
    labels = boxes(ax)
    markers = marker_boxes(ax, x, y)
    agreement = ax.artists[-1].get_window_extent()
    frame = ax.get_window_extent()
    for i, label in enumerate(labels):
        assert ax.texts[i].get_text() == names[i]
        assert not label.overlaps(agreement)
        assert frame.contains(label.x0, label.y0) and frame.contains(label.x1, label.y1)
        for j, other in enumerate(labels):
            assert j == i or not label.overlaps(other), (names[i], names[j])
        for j, marker in enumerate(markers):
            assert j == i or not label.overlaps(marker), (names[i], names[j])


def test_the_agreement_is_written_on_the_figure():
    x, y = (list(v) for v in zip(*DIGITS.values(), strict=True))
    ax = plot_rank_agreement(
        x, y, score_label="H-score", measured_label="accuracy", title="digits"
    )
    expected = rank_agreement(x, y)
    text = ax.artists[-1].txt.get_text()
    assert text == (
        f"Spearman {expected['spearman']:.2f}\n"
        f"weighted Kendall tau {expected['weighted_kendall_tau']:.2f}"
    )
    assert text == "Spearman 0.93\nweighted Kendall tau 0.74"
    assert ax.get_xlabel() == "H-score" and ax.get_ylabel() == "accuracy"
    assert ax.get_title() == "digits"
    assert [t.get_text() for t in ax.texts] == [f"source{i}" for i in range(8)]
    np.testing.assert_array_equal(
        ax.collections[0].get_offsets(), np.column_stack([x, y])
    )


def test_draws_into_a_given_axes_and_says_when_agreement_is_undefined():
    fig, ax = plt.subplots()
    returned = plot_rank_agreement([1.0, 2.0, 3.0], [0.5, 0.5, 0.5], ax=ax)
    assert returned is ax and len(fig.axes) == 1
    assert ax.artists[-1].txt.get_text() == (
        "Spearman undefined (constant input)\n"
        "weighted Kendall tau undefined (constant input)"
    )


def test_bad_input_is_refused_by_name():
    with pytest.raises(ValueError, match="source_names has 1 names but scores has 2"):
        plot_rank_agreement([1.0, 2.0], [1.0, 2.0], source_names=["a"])
    with pytest.raises(ValueError, match="scores has 3 values but measured has 2"):
        plot_rank_agreement([1.0, 2.0, 3.0], [1.0, 2.0])
