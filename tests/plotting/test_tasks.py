"""The task plots, drawn headless."""

import subprocess
import sys

import networkx as nx
import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sktransfer import CurriculumBuilder  # noqa: E402
from sktransfer.plotting import (  # noqa: E402
    plot_curriculum,
    plot_task_dendrogram,
    plot_task_hardness,
    plot_transferability_matrix,
)
from sktransfer.plotting._tasks import _tree_coordinates  # noqa: E402

NAMES = ["digit", "odd", "large", "mod4", "mod3"]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def builder():
    digit = np.arange(100) % 10
    Y = np.column_stack([digit, digit % 2, digit >= 5, digit % 4, digit % 3])
    return CurriculumBuilder(task_names=NAMES).fit(Y)


def test_importing_sktransfer_does_not_import_matplotlib():
    code = "import sys, sktransfer.plotting; print('matplotlib' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_heatmap_shows_the_matrix_with_task_names(builder):
    ax = plot_transferability_matrix(
        builder.transferability_, task_names=builder.task_names_, annotate=True
    )
    np.testing.assert_array_equal(ax.images[0].get_array(), builder.transferability_)
    assert [t.get_text() for t in ax.get_xticklabels()] == NAMES
    assert [t.get_text() for t in ax.get_yticklabels()] == NAMES
    assert len(ax.texts) == len(NAMES) ** 2
    assert len(ax.figure.axes) == 2  # the heatmap and its colorbar


def test_heatmap_draws_into_a_given_axes_without_colorbar(builder):
    fig, ax = plt.subplots()
    returned = plot_transferability_matrix(
        builder.transferability_, ax=ax, colorbar=False, vmin=-3, vmax=0
    )
    assert returned is ax
    assert len(fig.axes) == 1
    assert ax.images[0].get_clim() == (-3, 0)
    assert ax.get_xticklabels()[0].get_text() == "task0"


def test_heatmap_refuses_a_non_square_matrix():
    with pytest.raises(ValueError, match="square transferability matrix"):
        plot_transferability_matrix(np.zeros((2, 3)))


@pytest.mark.parametrize("orientation", ["left", "top"])
def test_curriculum_drawing_places_parents_before_children(builder, orientation):
    ax = plot_curriculum(builder.curriculum_, orientation=orientation, edge_labels=True)
    labels = {text.get_text(): text.get_position() for text in ax.texts}
    assert set(NAMES) <= set(labels)
    depth_axis = 0 if orientation == "left" else 1
    sign = 1 if orientation == "left" else -1
    for parent, child in builder.curriculum_.edges:
        assert sign * labels[parent][depth_axis] < sign * labels[child][depth_axis]
    assert len(ax.texts) == len(NAMES) + builder.curriculum_.number_of_edges()


@pytest.mark.parametrize("orientation", ["left", "top"])
def test_curriculum_arrows_end_on_the_boxes_with_their_heads_in_sight(
    builder, orientation
):
    ax = plot_curriculum(builder.curriculum_, orientation=orientation)
    ax.figure.canvas.draw()
    boxes = {
        text.get_text(): text.get_bbox_patch().get_window_extent() for text in ax.texts
    }
    arrows = [text for text in ax.texts if getattr(text, "arrow_patch", None)]
    assert len(arrows) == builder.curriculum_.number_of_edges()
    points_to_pixels = ax.figure.dpi / 72
    for text in arrows:
        (parent,) = builder.curriculum_.predecessors(text.get_text())
        arrow = text.arrow_patch
        vertices = arrow.get_transform().transform_path(arrow.get_path()).vertices
        for name in (text.get_text(), parent):
            inner = boxes[name].expanded(1.0, 1.0).padded(-0.5)
            # Nothing of the arrow, its head least of all, under either box.
            assert not any(inner.contains(x, y) for x, y in vertices), name
        # The head touches the child's box: within a few points of its border.
        child = boxes[text.get_text()]
        gaps = [
            np.hypot(
                max(child.x0 - x, 0, x - child.x1), max(child.y0 - y, 0, y - child.y1)
            )
            for x, y in vertices
        ]
        assert min(gaps) < 3 * points_to_pixels


def test_tree_layout_centres_parents_and_separates_trees():
    forest = nx.DiGraph([("r", "a"), ("r", "b"), ("a", "c"), ("a", "d"), ("s", "e")])
    breadth, depth = _tree_coordinates(forest)
    assert depth == {"r": 0, "a": 1, "b": 1, "c": 2, "d": 2, "s": 0, "e": 1}
    assert breadth["c"] == 0 and breadth["d"] == 1 and breadth["b"] == 2
    assert breadth["a"] == 0.5 and breadth["r"] == 1.25
    assert breadth["e"] == breadth["s"] == 4  # one free slot after the first tree


def test_curriculum_drawing_refuses_a_graph_that_is_not_a_forest():
    with pytest.raises(ValueError, match="at most one parent"):
        plot_curriculum(nx.DiGraph([("a", "c"), ("b", "c")]))
    with pytest.raises(ValueError, match="orientation must be"):
        plot_curriculum(nx.DiGraph([("a", "b")]), orientation="right")


def test_dendrogram_labels_every_task(builder):
    ax = plot_task_dendrogram(builder.linkage_, task_names=builder.task_names_)
    assert sorted(t.get_text() for t in ax.get_yticklabels()) == sorted(NAMES)
    top = plot_task_dendrogram(builder.linkage_, orientation="top")
    assert sorted(t.get_text() for t in top.get_xticklabels()) == sorted(
        f"task{j}" for j in range(5)
    )
    with pytest.raises(ValueError, match="linkage matrix of shape"):
        plot_task_dendrogram(np.zeros((3, 3)))


def test_hardness_bars_hardest_first(builder):
    ax = plot_task_hardness(builder.hardness_, task_names=builder.task_names_)
    widths = [patch.get_width() for patch in ax.patches]
    np.testing.assert_allclose(widths, np.sort(builder.hardness_)[::-1])
    assert ax.get_yticklabels()[0].get_text() == "digit"
    unsorted = plot_task_hardness(builder.hardness_, sort=False)
    np.testing.assert_allclose(
        [patch.get_width() for patch in unsorted.patches], builder.hardness_
    )
    with pytest.raises(ValueError, match="hardness must be 1-D"):
        plot_task_hardness(np.zeros((2, 2)))
