"""Views of the relations between tasks: matrix, curriculum tree, dendrogram, hardness.

Each function draws into the given matplotlib ``Axes`` (a new figure when
``ax=None``) and returns it. matplotlib is imported inside the functions.
"""

import numpy as np

from sktransfer.curriculum import task_names_of
from sktransfer.plotting._common import axes_for


def plot_transferability_matrix(
    matrix,
    *,
    task_names=None,
    ax=None,
    cmap="viridis",
    vmin=None,
    vmax=None,
    annotate=False,
    fmt=".2f",
    colorbar=True,
):
    """Draw a transferability matrix as a heatmap, sources in rows.

    Parameters
    ----------
    matrix : array-like of shape (n_tasks, n_tasks)
        ``matrix[i, j]`` scores task ``i`` as the source for task ``j``, as
        returned by :func:`~sktransfer.transferability_matrix` or held in
        ``CurriculumBuilder.transferability_``.
    task_names : array-like of str, default=None
        Tick labels; ``"task0"``, ``"task1"``, ... by default.
    ax : matplotlib Axes, default=None
        Axes to draw into; a new figure when ``None``.
    cmap : str or Colormap, default="viridis"
        Colormap of the scores.
    vmin, vmax : float, default=None
        Range of the colormap; the range of the scores by default.
    annotate : bool, default=False
        Write each score in its cell.
    fmt : str, default=".2f"
        Format of the written scores.
    colorbar : bool, default=True
        Add a colorbar.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn into; the heatmap is ``ax.images[0]``.

    See Also
    --------
    sktransfer.transferability_matrix : Computes the matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer import transferability_matrix
    >>> from sktransfer.plotting import plot_transferability_matrix
    >>> digit = np.arange(40) % 10
    >>> Y = np.column_stack([digit, digit % 2, digit >= 5])
    >>> ax = plot_transferability_matrix(
    ...     transferability_matrix(Y), task_names=["digit", "odd", "large"])
    >>> [label.get_text() for label in ax.get_xticklabels()]
    ['digit', 'odd', 'large']
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(
            "matrix must be a square transferability matrix of shape "
            f"(n_tasks, n_tasks); got shape {matrix.shape}"
        )
    n_tasks = matrix.shape[0]
    names = task_names_of(n_tasks, task_names)
    side = max(4.0, 0.28 * n_tasks + 2.0)
    ax = axes_for(
        ax, (side + (1.0 if colorbar else 0.0), side), "plot_transferability_matrix"
    )
    image = ax.imshow(matrix, cmap=cmap, vmin=vmin, vmax=vmax)
    ticks = np.arange(n_tasks)
    ax.set_xticks(ticks, labels=names, rotation=90)
    ax.set_yticks(ticks, labels=names)
    ax.set_xlabel("target task")
    ax.set_ylabel("source task")
    if annotate:
        # Dark text on the light end of the colormap, light text on the dark end.
        middle = np.mean(image.get_clim())
        for (i, j), value in np.ndenumerate(matrix):
            ax.text(
                j,
                i,
                format(value, fmt),
                ha="center",
                va="center",
                fontsize="small",
                color="black" if value > middle else "white",
            )
    if colorbar:
        # The fraction and pad that make a colorbar as tall as a square image.
        ax.figure.colorbar(
            image,
            ax=ax,
            fraction=0.046,
            pad=0.04,
            label="transferability (source to target)",
        )
    return ax


def plot_curriculum(
    curriculum,
    *,
    ax=None,
    orientation="left",
    edge_labels=False,
    fmt=".2f",
    node_color="#9ecae1",
    font_size=8,
):
    """Draw a curriculum: a tree (or forest) of tasks directed from its roots.

    Each task is a box holding its name, and each edge a square-elbowed arrow
    from the parent's box to the middle of the child's side that faces it, so
    that its head is always in sight and no edge crosses another task. The
    layout is computed here, without graphviz: each tree is drawn from its
    root, depth by depth, every parent centred on its children and the trees
    side by side.

    Parameters
    ----------
    curriculum : networkx.DiGraph
        A forest of trees directed away from their roots, such as
        ``CurriculumBuilder.curriculum_``.
    ax : matplotlib Axes, default=None
        Axes to draw into; a new figure, sized to the tree, when ``None``.
    orientation : {"left", "top"}, default="left"
        Where the roots are: at the left (deeper tasks to the right; suits
        long task names) or at the top.
    edge_labels : bool, default=False
        Write the ``weight`` of each edge (the transfer score from parent to
        child) on its last leg, the one into the child.
    fmt : str, default=".2f"
        Format of the edge labels.
    node_color : color, default="#9ecae1"
        Colour of the boxes of the tasks.
    font_size : float, default=8
        Font size of the task names; the edge labels are one point smaller.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn into; ``ax.texts`` holds the task names, every parent
        before its children, then the edge labels.

    See Also
    --------
    sktransfer.CurriculumBuilder : Builds the curriculum.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer import CurriculumBuilder
    >>> from sktransfer.plotting import plot_curriculum
    >>> digit = np.arange(40) % 10
    >>> Y = np.column_stack([digit, digit % 2, digit >= 5])
    >>> builder = CurriculumBuilder(task_names=["digit", "odd", "large"]).fit(Y)
    >>> ax = plot_curriculum(builder.curriculum_, orientation="top")
    >>> sorted(text.get_text() for text in ax.texts)
    ['digit', 'large', 'odd']
    """
    import networkx as nx

    if orientation not in ("left", "top"):
        raise ValueError(f"orientation must be 'left' or 'top'; got {orientation!r}")
    if not isinstance(curriculum, nx.DiGraph) or not nx.is_branching(curriculum):
        raise ValueError(
            "curriculum must be a networkx DiGraph whose every task has at most "
            "one parent and no cycle (a forest directed from its roots), such as "
            "CurriculumBuilder.curriculum_"
        )
    breadth, depth = _tree_coordinates(curriculum)
    n_slots = max(breadth.values(), default=0.0) + 1
    n_levels = max(depth.values(), default=0) + 1
    if orientation == "top":
        pos = {task: (breadth[task], -depth[task]) for task in curriculum}
        size = (max(6.0, 1.3 * n_slots), max(4.0, 1.0 * n_levels + 1.0))
    else:
        pos = {task: (depth[task], -breadth[task]) for task in curriculum}
        size = (max(6.0, 2.0 * n_levels), max(4.0, 0.35 * n_slots + 1.0))
    ax = axes_for(ax, size, "plot_curriculum")
    xs, ys = zip(*pos.values(), strict=True) if pos else ((0.0,), (0.0,))
    ax.set_xlim(min(xs) - 0.5, max(xs) + 0.5)
    ax.set_ylim(min(ys) - 0.5, max(ys) + 0.5)
    box = {
        "boxstyle": "round,pad=0.35",
        "facecolor": node_color,
        "edgecolor": "0.35",
        "linewidth": 0.6,
    }
    # Parents first, as they are drawn in this order: an arrow is clipped at
    # its parent's box where that box was last drawn.
    boxes = {}
    for task in nx.topological_sort(curriculum):
        parent = next(iter(curriculum.predecessors(task)), None)
        common = {"ha": "center", "va": "center", "fontsize": font_size, "bbox": box}
        if parent is None:
            boxes[task] = ax.text(*pos[task], str(task), **common)
            continue
        boxes[task] = ax.annotate(
            str(task),
            xy=pos[parent],
            xytext=pos[task],
            arrowprops={
                # From the child's box (A, the text) to the parent's (B), the
                # head at A: square elbows, from the middle of the child's
                # side that faces its parent to a trunk through the parent,
                # so that no edge crosses another task's box.
                "arrowstyle": "<|-",
                "relpos": (0.0, 0.5) if orientation == "left" else (0.5, 1.0),
                "connectionstyle": (
                    "angle,angleA=0,angleB=90,rad=0"
                    if orientation == "left"
                    else "angle,angleA=90,angleB=0,rad=0"
                ),
                "color": "0.4",
                "linewidth": 1.0,
                "mutation_scale": 12,
                "shrinkA": 1,
                "shrinkB": 1,
                "patchB": boxes[parent].get_bbox_patch(),
            },
            annotation_clip=False,
            **common,
        )
    if edge_labels:
        for parent, child, weight in curriculum.edges(data="weight"):
            (x0, y0), (x1, y1) = pos[parent], pos[child]
            # On the last leg of the elbow, the one into the child.
            ax.text(
                (x0 + x1) / 2 if orientation == "left" else x1,
                y1 if orientation == "left" else (y0 + y1) / 2,
                format(weight, fmt),
                ha="center",
                va="center",
                fontsize=font_size - 1,
                color="0.2",
                bbox={
                    "boxstyle": "round,pad=0.15",
                    "facecolor": "white",
                    "edgecolor": "none",
                    "alpha": 0.9,
                },
            )
    ax.set_axis_off()
    return ax


def _tree_coordinates(forest):
    """Breadth and depth of every node of a forest directed from its roots.

    Leaves take consecutive breadths in depth-first order, a parent the middle
    of its first and last child, and each tree starts one slot after the last.
    """
    breadth, depth = {}, {}
    next_slot = 0.0
    for root in (task for task in forest if forest.in_degree(task) == 0):
        depth[root] = 0
        # Iterative post-order: a node is placed once all its children are.
        stack = [(root, False)]
        while stack:
            task, expanded = stack.pop()
            children = list(forest.successors(task))
            if not children:
                breadth[task] = next_slot
                next_slot += 1.0
            elif expanded:
                breadth[task] = (breadth[children[0]] + breadth[children[-1]]) / 2
            else:
                stack.append((task, True))
                for child in reversed(children):
                    depth[child] = depth[task] + 1
                    stack.append((child, False))
        next_slot += 1.0
    return breadth, depth


def plot_task_dendrogram(linkage, *, task_names=None, ax=None, orientation="left"):
    """Draw the agglomerative clustering of tasks as a dendrogram.

    Parameters
    ----------
    linkage : ndarray of shape (n_tasks - 1, 4)
        A scipy linkage matrix, such as ``CurriculumBuilder.linkage_``.
    task_names : array-like of str, default=None
        Leaf labels; ``"task0"``, ``"task1"``, ... by default.
    ax : matplotlib Axes, default=None
        Axes to draw into; a new figure when ``None``.
    orientation : {"left", "top", "right", "bottom"}, default="left"
        Where the root of the dendrogram is, as in
        :func:`scipy.cluster.hierarchy.dendrogram`.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn into.

    See Also
    --------
    sktransfer.CurriculumBuilder : Computes the clustering in ``linkage_``.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer import CurriculumBuilder
    >>> from sktransfer.plotting import plot_task_dendrogram
    >>> digit = np.arange(40) % 10
    >>> Y = np.column_stack([digit, digit % 2, digit % 4, digit >= 5])
    >>> builder = CurriculumBuilder(task_names=["digit", "odd", "mod4", "large"])
    >>> builder = builder.fit(Y)
    >>> ax = plot_task_dendrogram(builder.linkage_, task_names=builder.task_names_)
    >>> sorted(label.get_text() for label in ax.get_yticklabels())
    ['digit', 'large', 'mod4', 'odd']
    """
    from scipy.cluster.hierarchy import dendrogram

    linkage = np.asarray(linkage, dtype=np.float64)
    if linkage.ndim != 2 or linkage.shape[1] != 4:
        raise ValueError(
            "linkage must be a scipy linkage matrix of shape (n_tasks - 1, 4); "
            f"got shape {linkage.shape}"
        )
    names = task_names_of(linkage.shape[0] + 1, task_names)
    n_tasks = len(names)
    if orientation in ("left", "right"):
        size = (6.0, max(3.0, 0.25 * n_tasks + 1.0))
    else:
        size = (max(5.0, 0.3 * n_tasks + 1.0), 4.0)
    ax = axes_for(ax, size, "plot_task_dendrogram")
    dendrogram(linkage, labels=names, orientation=orientation, ax=ax)
    distance_axis = ax.set_xlabel if orientation in ("left", "right") else ax.set_ylabel
    distance_axis("distance between the tasks' score vectors")
    return ax


def plot_task_hardness(hardness, *, task_names=None, ax=None, sort=True, color=None):
    """Draw the hardness of each task as horizontal bars, hardest at the top.

    Parameters
    ----------
    hardness : array-like of shape (n_tasks,)
        Hardness of each task, such as ``CurriculumBuilder.hardness_`` (the
        entropy of its labels, in nats).
    task_names : array-like of str, default=None
        Bar labels; ``"task0"``, ``"task1"``, ... by default.
    ax : matplotlib Axes, default=None
        Axes to draw into; a new figure when ``None``.
    sort : bool, default=True
        Order the bars from the hardest task down; in task order otherwise.
    color : color, default=None
        Colour of the bars; matplotlib's first colour by default.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn into; the bars are ``ax.patches``, from the top.

    See Also
    --------
    sktransfer.metrics.task_hardness : The hardness of one task.

    Examples
    --------
    >>> from sktransfer.plotting import plot_task_hardness
    >>> ax = plot_task_hardness([0.2, 0.7, 0.5], task_names=["a", "b", "c"])
    >>> [label.get_text() for label in ax.get_yticklabels()]
    ['b', 'c', 'a']
    """
    hardness = np.asarray(hardness, dtype=np.float64)
    if hardness.ndim != 1:
        raise ValueError(
            f"hardness must be 1-D, one value per task; got shape {hardness.shape}"
        )
    names = np.asarray(task_names_of(hardness.size, task_names), dtype=object)
    order = np.argsort(-hardness, kind="stable") if sort else np.arange(hardness.size)
    ax = axes_for(ax, (6.0, max(3.0, 0.25 * hardness.size + 1.0)), "plot_task_hardness")
    positions = np.arange(hardness.size)
    ax.barh(positions, hardness[order], color=color)
    ax.set_yticks(positions, labels=names[order])
    ax.invert_yaxis()  # the first bar at the top
    ax.set_xlabel("hardness H(task) (nats)")
    return ax
