"""
Identity and 40 face attributes of CelebA: transfer, hardness and a curriculum
===============================================================================

CelebA labels 202,599 face images with the identity of the person (10,177
people) and 40 binary attributes. From these labels alone, the conditional
entropy H(attribute | identity) estimates how well a face-recognition model
transfers to each attribute (Tran et al. 2019): an attribute that is the same
in every image of a person (sex, baldness) is almost determined by the
identity, one that changes from photo to photo (a smile, an open mouth) is
not. The entropy H(attribute) itself estimates how hard the attribute is.
The curriculum then links all 41 tasks by their strongest transfers.

sktransfer does not ship the CelebA labels. The example reads them (the
compact ``celeba_labels.npz`` or the official annotation files, see
:func:`~sktransfer.datasets.load_celeba_labels`) from a folder named
``celeba`` in the folder that the environment variable ``SKTRANSFER_DATA``
names, by default a folder ``shared/data`` beside the repository's own
folder. Without them it says what it would show, and stops: the output below
is then that message alone.
"""

import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from sktransfer import CurriculumBuilder, conditional_entropy
from sktransfer.datasets import load_celeba_labels
from sktransfer.plotting import (
    plot_curriculum,
    plot_task_dendrogram,
    plot_transferability_matrix,
)


def data_home():
    """``$SKTRANSFER_DATA``, else the shared data folder next to the repository."""
    # sphinx-gallery runs an example from its folder without defining __file__.
    here = Path(globals().get("__file__", Path.cwd() / "example.py")).resolve()
    repository = here.parents[1]
    return Path(os.environ.get("SKTRANSFER_DATA", repository.parent / "shared/data"))


ABSENT = """\
The CelebA labels are not on this machine, so this example stops here.
With them (the identity and the 40 attributes of 202,599 face images), it
prints, for every attribute, what the identity leaves unknown of it,
H(attribute | identity), next to its hardness H(attribute), and draws
  * both entropies as bars, attribute by attribute;
  * the curriculum of the 41 tasks, identity and attributes, by the share of
    each task's entropy that its parent explains;
  * the curriculum and the clustering of the 40 attributes alone;
  * the matrix of those shares between all 41 tasks.
To run it, put celeba_labels.npz (or the official annotation files) in a
folder named celeba, inside the folder that the environment variable
SKTRANSFER_DATA names."""


def main():
    """Run the example; return False, after saying why, without the labels."""
    try:
        celeba = load_celeba_labels(data_home() / "celeba")
    except FileNotFoundError:
        print(ABSENT)
        return False
    attributes, names = celeba.attributes, list(celeba.attribute_names)

    # H(attribute | identity), sorted, next to H(attribute).
    given_identity = np.array(
        [conditional_entropy(attributes[:, j], celeba.identity) for j in range(40)]
    )
    Y = np.column_stack([celeba.identity, attributes])
    builder = CurriculumBuilder(normalize=True, task_names=["Identity", *names])
    builder.fit(Y)
    entropy = builder.hardness_[1:]
    order = np.argsort(given_identity)
    print(f"{'attribute':<22}{'H(a | identity)':>16}{'H(a)':>8}")
    for j in order:
        print(f"{names[j]:<22}{given_identity[j]:16.3f}{entropy[j]:8.3f}")

    fig, ax = plt.subplots(figsize=(7, 9))
    rows = np.arange(40)
    ax.barh(rows, entropy[order], color="0.8", label="H(attribute): hardness")
    ax.barh(rows, given_identity[order], label="H(attribute | identity)")
    ax.set_yticks(rows, labels=[names[j] for j in order])
    ax.invert_yaxis()
    ax.set_xlabel("nats")
    ax.set_title("What identity leaves unknown of each attribute")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), ncols=2)
    fig.tight_layout()

    # The normalised score 1 - H(b | a) / H(b) compares targets of different
    # entropy; without it a rare attribute, of little entropy, would look
    # well predicted by any source and become a hub of the tree.
    print("curriculum order:", ", ".join(builder.order_[:8]), "...")
    ax = plot_curriculum(builder.curriculum_, font_size=7)
    ax.set_title(f"curriculum over 41 tasks from {builder.root_!r}")

    # Among the attributes alone: the submatrix of the same scores.
    among = CurriculumBuilder(metric="precomputed", task_names=names)
    among.fit(builder.transferability_[1:, 1:])
    ax = plot_curriculum(among.curriculum_, font_size=7)
    ax.set_title(f"curriculum over the attributes, from {among.root_!r}")
    ax = plot_task_dendrogram(among.linkage_, task_names=names)
    ax.set_title("attributes clustered by the scores all others give them")
    ax.figure.tight_layout()

    ax = plot_transferability_matrix(
        builder.transferability_, task_names=builder.task_names_, vmin=0, vmax=1
    )
    ax.set_title("share of the target's entropy the source explains")
    plt.show()
    return True


if __name__ == "__main__":
    main()
