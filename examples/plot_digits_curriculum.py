"""
A curriculum over tasks on handwritten digits
=============================================

Several classification tasks can be asked of the same images: which digit it
is, whether it is odd, at least 5, prime, has a closed loop (0, 6, 8, 9), and
its remainder modulo 3. Which task's representation serves which other task?
Here each source task gets its own representation, the linear discriminant
directions of its labels
(:class:`~sklearn.discriminant_analysis.LinearDiscriminantAnalysis`), and the
normalised H-score (Bao et al. 2019, Definition 3) scores it on every target
task: one whitening per source serves all targets. The curriculum is the
maximum spanning tree of the task graph, directed from the task whose
representation serves the others best.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

from sktransfer import CurriculumBuilder
from sktransfer.plotting import (
    plot_curriculum,
    plot_task_dendrogram,
    plot_transferability_matrix,
)

X, digit = load_digits(return_X_y=True)
tasks = {
    "digit": digit,
    "odd": digit % 2,
    "at_least_5": digit >= 5,
    "mod_3": digit % 3,
    "has_loop": np.isin(digit, [0, 6, 8, 9]),
    "prime": np.isin(digit, [2, 3, 5, 7]),
}
Y = np.column_stack(list(tasks.values()))

builder = CurriculumBuilder(
    metric="h_score",
    encoder=LinearDiscriminantAnalysis(),
    normalize=True,
    task_names=list(tasks),
)
builder.fit(Y, X=X)

print("normalised H-score, source (row) -> target (column)")
print(" " * 11 + "".join(f"{name:>11}" for name in builder.task_names_))
for name, row in zip(builder.task_names_, builder.transferability_, strict=True):
    print(f"{name:>11}" + "".join(f"{score:11.2f}" for score in row))
print("curriculum order:", ", ".join(builder.order_))

# %%
# The ten-class digit representation carries every other task (a star around
# the root): each binary task is a function of the digit. A binary task's
# representation is a single direction and carries little of the others.

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
plot_transferability_matrix(
    builder.transferability_,
    task_names=builder.task_names_,
    ax=left,
    annotate=True,
    vmin=0,
    vmax=1,
)
left.set_title("normalised H-score")
plot_curriculum(builder.curriculum_, ax=right, edge_labels=True)
right.set_title(f"curriculum from {builder.root_!r}")
fig.tight_layout()

# %%
# Without the digit labels, the binary and three-class tasks have to learn from
# each other: the curriculum now links tasks that share digits, and the
# clustering of the tasks by the scores all sources give them shows the groups.

without_digit = CurriculumBuilder(
    metric="h_score",
    encoder=LinearDiscriminantAnalysis(),
    normalize=True,
    task_names=list(tasks)[1:],
).fit(Y[:, 1:], X=X)
print("curriculum order without the digit:", ", ".join(without_digit.order_))

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
plot_curriculum(without_digit.curriculum_, ax=left, edge_labels=True)
left.set_title(f"curriculum from {without_digit.root_!r}")
plot_task_dendrogram(
    without_digit.linkage_, task_names=without_digit.task_names_, ax=right
)
right.set_title("tasks clustered by their scores")
fig.tight_layout()
plt.show()
