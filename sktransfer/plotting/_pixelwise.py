"""Heatmap of the per-pixel scores of a dense (pixel-to-pixel) target task.

matplotlib is imported inside the function, so importing this module does not.
"""

import numpy as np

from sktransfer.plotting._common import axes_for


def plot_pixelwise_map(
    score_map, *, ax=None, cmap="viridis", vmin=0.0, vmax=None, colorbar=True
):
    """Draw a per-pixel score map as a heatmap, laid out like the target image.

    Parameters
    ----------
    score_map : array-like of shape (height, width)
        One score per pixel (or block of pixels), as the second value returned
        by :func:`~sktransfer.metrics.pixelwise_h_score`.
    ax : matplotlib Axes, default=None
        Axes to draw into; a new figure when ``None``.
    cmap : str or Colormap, default="viridis"
        Colormap of the scores; lighter is higher with the default.
    vmin, vmax : float, default=0.0 and None
        Range of the colormap; ``vmax`` is the largest score by default. Give
        several maps the same range to compare them.
    colorbar : bool, default=True
        Add a colorbar.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn into; the heatmap is ``ax.images[0]``.

    See Also
    --------
    sktransfer.metrics.pixelwise_h_score : Computes the map.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.plotting import plot_pixelwise_map
    >>> ax = plot_pixelwise_map(np.array([[0.5, 1.0], [0.0, 2.0]]))
    >>> ax.images[0].get_array().shape
    (2, 2)
    """
    score_map = np.asarray(score_map, dtype=np.float64)
    if score_map.ndim != 2 or 0 in score_map.shape:
        raise ValueError(
            "score_map must be a non-empty 2-D array (height, width) of scores; "
            f"got shape {score_map.shape}"
        )
    ax = axes_for(ax, None, "plot_pixelwise_map")
    image = ax.imshow(
        score_map, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest"
    )
    ax.set_xticks([])
    ax.set_yticks([])
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label="score")
    return ax
