"""Scores of sources against their measured transfer, with the rank agreement.

matplotlib is imported inside the function, so importing this module does not.
"""

import math

import numpy as np

from sktransfer.evaluation import rank_agreement
from sktransfer.plotting._common import axes_for

# Marker area (points^2) and the gap between a marker and its label (points).
_MARKER_AREA = 36.0
_GAP = 3.0
# How far, in label heights, a label may move up or down from its point.
_MAX_STEPS = 12


def plot_rank_agreement(
    scores,
    measured,
    *,
    source_names=None,
    ax=None,
    score_label="transferability score",
    measured_label="measured transfer",
    title=None,
    font_size=9,
):
    """Draw each source's score against its measured transfer, and their agreement.

    One point per source, labelled by its name, with the rank agreement of
    the scores and the measurements written on the figure: Spearman's rank
    correlation and Vigna's weighted Kendall tau, as
    :func:`~sktransfer.evaluation.rank_agreement` computes them. Labels are
    placed beside their points so that they overlap neither each other, nor
    the markers, nor the agreement; a label moved away from its point is
    joined to it by a thin line.

    Parameters
    ----------
    scores : array-like of shape (n_sources,)
        A transferability score of each source, greater meaning better.
    measured : array-like of shape (n_sources,)
        The measured transfer of the same sources, greater meaning better,
        such as the held-out accuracy of
        :func:`~sktransfer.evaluation.measured_transfer`.
    source_names : array-like of str, default=None
        The label of each point; ``"source0"``, ``"source1"``, ... by default.
    ax : matplotlib Axes, default=None
        Axes to draw into; a new figure when ``None``.
    score_label, measured_label : str, default="transferability score" and \
            "measured transfer"
        Labels of the horizontal and vertical axes.
    title : str, default=None
        Title of the axes.
    font_size : float, default=9
        Font size of the point labels and of the agreement.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn into; the point labels are ``ax.texts``, in the order
        of the sources, and the agreement is the last of ``ax.artists``.

    See Also
    --------
    sktransfer.evaluation.rank_agreement : The agreement written on the figure.
    sktransfer.evaluation.measured_transfer : Measures the transfer.

    Notes
    -----
    The labels are placed for the size the axes have when the function is
    called (the figure is laid out first when ``ax=None``): resizing the
    figure afterwards moves the points but keeps the labels' offsets, in
    points, from them.

    Examples
    --------
    >>> from sktransfer.plotting import plot_rank_agreement
    >>> ax = plot_rank_agreement(
    ...     [0.1, 0.5, 0.3, 0.9], [0.60, 0.72, 0.70, 0.95],
    ...     source_names=["a", "b", "c", "d"])
    >>> [text.get_text() for text in ax.texts]
    ['a', 'b', 'c', 'd']
    >>> print(ax.artists[-1].txt.get_text())
    Spearman 1.00
    weighted Kendall tau 1.00
    """
    agreement = rank_agreement(scores, measured)  # checks both
    x = np.asarray(scores, dtype=np.float64)
    y = np.asarray(measured, dtype=np.float64)
    if source_names is None:
        names = [f"source{i}" for i in range(x.size)]
    else:
        names = [str(name) for name in source_names]
        if len(names) != x.size:
            raise ValueError(
                f"source_names has {len(names)} names but scores has {x.size} "
                "values; give one name per source"
            )
    created = ax is None
    ax = axes_for(ax, (7.0, 5.0), "plot_rank_agreement")
    from matplotlib.offsetbox import AnchoredText

    ax.scatter(x, y, s=_MARKER_AREA, zorder=3)
    ax.set_xlim(*_padded(x))
    ax.set_ylim(*_padded(y))
    ax.set_xlabel(score_label)
    ax.set_ylabel(measured_label)
    if title is not None:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    text = "\n".join(
        f"{name} {_value(agreement[key])}"
        for name, key in [
            ("Spearman", "spearman"),
            ("weighted Kendall tau", "weighted_kendall_tau"),
        ]
    )
    box = AnchoredText(text, loc="lower right", prop={"size": font_size})
    box.patch.set(boxstyle="round,pad=0.3", facecolor="white", alpha=0.9)
    ax.add_artist(box)
    if created:
        ax.figure.tight_layout()
    _label_points(ax, x, y, names, box, font_size)
    return ax


def _padded(values):
    low, high = float(values.min()), float(values.max())
    pad = 0.08 * (high - low) if high > low else max(abs(low), 1.0) * 0.1
    return low - pad, high + pad


def _value(number):
    return "undefined (constant input)" if math.isnan(number) else f"{number:.2f}"


def _label_points(ax, x, y, names, obstacle, font_size):
    """Label every point where its label overlaps nothing already drawn.

    Greedy, best source first: each label tries positions around its point
    (right, left, above, below, then the corners), then ever further up and
    down on either side, and takes the first that stays inside the axes, clear
    of the markers, of ``obstacle``, of the labels placed before it and of
    their leader lines, with a leader line of its own (when it is moved away
    from its point) that crosses none of them; failing that, the least
    overlapping one.
    """
    figure = ax.figure
    figure.draw_without_rendering()  # the final layout, and text extents
    to_pixels = figure.dpi / 72.0
    points = ax.transData.transform(np.column_stack([x, y]))
    radius = math.sqrt(_MARKER_AREA) / 2 * to_pixels
    gap = _GAP * to_pixels
    markers = [
        (px - radius, py - radius, px + radius, py + radius) for px, py in points
    ]
    frame = ax.get_window_extent()
    blocked = [tuple(obstacle.get_window_extent().extents)]
    leaders = []
    placed = [None] * len(names)
    for i in np.argsort(-x, kind="stable"):
        probe = ax.text(0, 0, names[i], fontsize=font_size)
        size = probe.get_window_extent()
        probe.remove()
        point = tuple(points[i])
        others = [box for j, box in enumerate(markers) if j != i]
        best = None
        for dx, dy, ha, va in _candidates(size.height, radius + gap):
            box = _box(point[0] + dx, point[1] + dy, size.width, size.height, ha, va)
            far = abs(dy) > size.height
            leader = (point, _nearest(box, point)) if far else None
            cost = _outside(box, frame) + sum(
                _overlap(box, other) for other in [*blocked, *others]
            )
            area = size.width * size.height
            cost += area * sum(_crosses(segment, box) for segment in leaders)
            if leader is not None:
                cost += area * sum(_crosses(leader, other) for other in blocked)
            if best is None or cost < best[0]:
                best = (cost, box, dx, dy, ha, va, leader)
            if cost == 0:
                break
        _, box, dx, dy, ha, va, leader = best
        blocked.append(box)
        if leader is not None:
            leaders.append(leader)
        placed[i] = (names[i], (x[i], y[i]), (dx, dy), ha, va, leader is not None)
    for name, xy, (dx, dy), ha, va, far in placed:
        ax.annotate(
            name,
            xy,
            xytext=(dx / to_pixels, dy / to_pixels),
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=font_size,
            arrowprops=(
                {
                    "arrowstyle": "-",
                    "color": "0.5",
                    "linewidth": 0.6,
                    "shrinkA": 1,
                    "shrinkB": radius / to_pixels + 1,
                }
                if far
                else None
            ),
        )


def _candidates(height, offset):
    """Offsets ``(dx, dy)`` of a label's anchor from its point, with alignment."""
    yield offset, 0.0, "left", "center"
    yield -offset, 0.0, "right", "center"
    yield 0.0, offset, "center", "bottom"
    yield 0.0, -offset, "center", "top"
    for dy, va in ((offset, "bottom"), (-offset, "top")):
        yield 0.0, dy, "right", va
        yield 0.0, dy, "left", va
    for step in range(1, _MAX_STEPS + 1):
        for sign in (1, -1):
            dy = sign * step * 0.75 * height
            yield offset, dy, "left", "center"
            yield -offset, dy, "right", "center"


def _nearest(box, point):
    """The point of ``box`` nearest to ``point``, where a leader line ends."""
    return (
        min(max(point[0], box[0]), box[2]),
        min(max(point[1], box[1]), box[3]),
    )


def _crosses(segment, box):
    """Whether a segment passes through the inside of a box (Liang-Barsky)."""
    (x0, y0), (x1, y1) = segment
    dx, dy = x1 - x0, y1 - y0
    low, high = 0.0, 1.0
    for p, q in (
        (-dx, x0 - box[0]),
        (dx, box[2] - x0),
        (-dy, y0 - box[1]),
        (dy, box[3] - y0),
    ):
        if p == 0:
            if q <= 0:
                return False
            continue
        t = q / p
        if p < 0:
            low = max(low, t)
        else:
            high = min(high, t)
        if low >= high:
            return False
    return True


def _box(x, y, width, height, ha, va):
    """``(x0, y0, x1, y1)`` of a label of this size anchored at ``(x, y)``."""
    x0 = {"left": x, "right": x - width, "center": x - width / 2}[ha]
    y0 = {"bottom": y, "top": y - height, "center": y - height / 2}[va]
    return x0, y0, x0 + width, y0 + height


def _overlap(a, b):
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width * height if width > 0 and height > 0 else 0.0


def _outside(box, frame):
    """Area of ``box`` outside the axes, weighted to count as an overlap."""
    area = (box[2] - box[0]) * (box[3] - box[1])
    inside = _overlap(box, tuple(frame.extents))
    return area - inside
