"""The per-pixel score heatmap, drawn headless."""

import subprocess
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sktransfer.metrics import pixelwise_h_score  # noqa: E402
from sktransfer.plotting import plot_pixelwise_map  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_importing_the_pixelwise_plot_does_not_import_matplotlib():
    code = (
        "import sys, sktransfer, sktransfer.plotting._pixelwise; "
        "print('matplotlib' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_map_is_drawn_as_an_image_laid_out_like_the_target():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 3))
    Y = (X[:, :1, None] + rng.standard_normal((200, 3, 5))) > 0
    _, score_map = pixelwise_h_score(X, Y, random_state=0)
    ax = plot_pixelwise_map(score_map)
    image = ax.images[0]
    np.testing.assert_array_equal(image.get_array(), score_map)
    assert image.get_clim() == (0.0, score_map.max())
    assert len(ax.figure.axes) == 2  # the heatmap and its colorbar


def test_given_axes_range_and_colormap_are_used():
    fig, axes = plt.subplots(1, 2)
    score_map = np.array([[0.0, 0.5], [1.0, 1.5]])
    ax = plot_pixelwise_map(
        score_map, ax=axes[1], vmin=0.2, vmax=2.0, cmap="magma", colorbar=False
    )
    assert ax is axes[1]
    assert ax.images[0].get_clim() == (0.2, 2.0)
    assert ax.images[0].get_cmap().name == "magma"
    assert len(fig.axes) == 2  # no colorbar added


@pytest.mark.parametrize("score_map", [np.zeros(4), np.zeros((2, 2, 2)), [[]]])
def test_a_map_that_is_not_2d_is_refused(score_map):
    with pytest.raises(ValueError, match="score_map must be a non-empty 2-D"):
        plot_pixelwise_map(score_map)
