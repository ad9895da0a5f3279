"""The transferability matrix and curriculum on the real CelebA and CUB labels.

Skipped when the shared data are absent.
"""

import numpy as np
import pytest

from sktransfer import CurriculumBuilder, transferability_matrix
from sktransfer.datasets import load_celeba_labels, load_cub_labels
from sktransfer.metrics import conditional_entropy, task_hardness
from tests.datasets.data_home import shared_folder


@pytest.fixture(scope="module")
def celeba():
    return load_celeba_labels(shared_folder("celeba", "celeba_labels.npz"))


def test_celeba_identity_and_40_attributes(celeba):
    Y = np.column_stack([celeba.identity, celeba.attributes])
    names = ["Identity", *celeba.attribute_names]
    builder = CurriculumBuilder(task_names=names).fit(Y)
    matrix = builder.transferability_
    assert matrix.shape == (41, 41)
    smiling = names.index("Smiling")
    male = names.index("Male")
    for source, target in [(0, smiling), (smiling, 0), (male, smiling), (1, 2)]:
        expected = -conditional_entropy(Y[:, target], Y[:, source])
        assert matrix[source, target] == pytest.approx(expected, rel=1e-11)
    # Identity tells more about every attribute than the attribute's own prior.
    assert np.all(-matrix[0, 1:] < builder.hardness_[1:])
    # An identity is almost always the same sex in every image, not the same smile.
    assert -matrix[0, male] < 0.05 < 0.2 < -matrix[0, smiling]
    assert builder.root_ == "Identity"
    assert builder.hardness_[0] == pytest.approx(task_hardness(celeba.identity))


def test_cub_class_determines_every_attribute():
    cub = load_cub_labels(shared_folder("cub", "cub_labels.npz"))
    varying = np.flatnonzero(cub.image_attributes.std(axis=0) > 0)[:30]
    Y = np.column_stack([cub.image_class, cub.image_attributes[:, varying]])
    matrix = transferability_matrix(Y)
    assert np.all(matrix[0] == 0.0)
    assert np.all(matrix[1:, 0] < -3.0)  # no attribute comes close to the species
