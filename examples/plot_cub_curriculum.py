"""
Hardness and a curriculum of bird attributes in CUB-200-2011
============================================================

CUB-200-2011 gives, for each of 200 bird species and 312 attributes, the
share of the species' images in which annotators saw the attribute. Each of
the 11,788 images then gets the attributes its species shows in at least half
of its images: one binary task per attribute, next to the species itself. The
labels alone tell how hard each attribute task is, H(attribute) (Tran et al.
2019, Sec. 4), and which attribute tells the most about which: the curriculum
links the attributes by their strongest transfers, in the order to label and
learn them.

sktransfer does not ship the CUB labels. The example reads them from
``cub_labels.npz`` (see :func:`~sktransfer.datasets.load_cub_labels`) in a
folder named ``cub`` in the folder that the environment variable
``SKTRANSFER_DATA`` names, by default a folder ``shared/data`` beside the
repository's own folder. Without them it says what it would show, and stops:
the output below is then that message alone.
"""

import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from sktransfer import CurriculumBuilder, transferability_matrix
from sktransfer.datasets import load_cub_labels
from sktransfer.plotting import plot_curriculum, plot_task_hardness


def data_home():
    """``$SKTRANSFER_DATA``, else the shared data folder next to the repository."""
    # sphinx-gallery runs an example from its folder without defining __file__.
    here = Path(globals().get("__file__", Path.cwd() / "example.py")).resolve()
    repository = here.parents[1]
    return Path(os.environ.get("SKTRANSFER_DATA", repository.parent / "shared/data"))


ABSENT = """\
The CUB-200-2011 labels are not on this machine, so this example stops here.
With them (the species and 312 attributes of 11,788 bird images), it keeps
the attributes present in 20 % to 80 % of the images, shows that the species
determines every one of them, names the hardest and the easiest, and draws
  * the hardness H(attribute) of each attribute as bars;
  * the curriculum of the attributes, by the share of each attribute's
    entropy that its parent explains.
To run it, put cub_labels.npz in a folder named cub, inside the folder that
the environment variable SKTRANSFER_DATA names."""


def main():
    """Run the example; return False, after saying why, without the labels."""
    try:
        cub = load_cub_labels(data_home() / "cub", threshold=50)
    except FileNotFoundError:
        print(ABSENT)
        return False

    # The attributes present in 20 % to 80 % of the images: the informative ones.
    share = cub.image_attributes.mean(axis=0)
    kept = np.flatnonzero((share >= 0.2) & (share <= 0.8))
    names = [cub.attribute_names[a].removeprefix("has_") for a in kept]
    attributes = cub.image_attributes[:, kept]
    print(f"{kept.size} of {share.size} attributes, on {len(attributes)} images")

    # The attributes are given per species, so the species determines each of
    # them: H(attribute | species) = 0, the best score, for all of them.
    scores = transferability_matrix(np.column_stack([cub.image_class, attributes]))
    print("H(attribute | species) = 0 for every attribute:", np.all(scores[0] == 0))
    print(f"smallest H(species | attribute): {-scores[1:, 0].max():.2f} nats")

    builder = CurriculumBuilder(normalize=True, task_names=names).fit(attributes)
    order = np.argsort(-builder.hardness_)
    print("hardest attributes:", ", ".join(np.asarray(names)[order[:3]]))
    print("easiest attributes:", ", ".join(np.asarray(names)[order[-3:]]))
    print("curriculum order:", ", ".join(builder.order_[:6]), "...")

    ax = plot_task_hardness(builder.hardness_, task_names=names)
    ax.set_title("hardness of the attribute tasks")
    ax.figure.tight_layout()
    ax = plot_curriculum(builder.curriculum_, font_size=7)
    ax.set_title(f"curriculum of the attributes, from {builder.root_!r}")
    plt.show()
    return True


if __name__ == "__main__":
    main()
