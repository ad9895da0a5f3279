"""Inputs of the benchmarks: synthetic ones with structure, so that every score is
far from its extremes, and real embeddings where the project's shared data has them.
"""

from pathlib import Path

import numpy as np
import scipy.sparse as sp

# Scale of the class means against unit noise: at 1,024 features and 100 classes
# the H-score lands near half its maximum, neither 0 nor saturated.
CLASS_SEPARATION = 0.3
# Rows per step when adding class means, so that generating the 1.6 GiB matrix
# never needs a second matrix of its size.
_ROWS_PER_STEP = 16_384


def class_features(n_samples, n_features, n_classes, *, seed=0, dtype=np.float32):
    """Gaussian features plus a random mean per class, and the class labels."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n_samples)
    means = CLASS_SEPARATION * rng.standard_normal((n_classes, n_features), dtype)
    X = rng.standard_normal((n_samples, n_features), dtype)
    for start in range(0, n_samples, _ROWS_PER_STEP):
        rows = slice(start, start + _ROWS_PER_STEP)
        X[rows] += means[y[rows]]
    return X, y


def sparse_class_features(n_samples, n_features, n_classes, density, *, seed=0):
    """A CSR matrix of float32 features with a share ``density`` stored, and labels.

    The stored entries are unit Gaussian noise plus their column's mean in the
    row's class, so the classes differ on the entries they store. Positions
    are drawn uniformly (a repeated position is stored once, as the sum).
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n_samples)
    n_stored = round(density * n_samples * n_features)
    rows = rng.integers(0, n_samples, n_stored)
    columns = rng.integers(0, n_features, n_stored)
    means = CLASS_SEPARATION * rng.standard_normal((n_classes, n_features), np.float32)
    values = rng.standard_normal(n_stored, np.float32) + means[y[rows], columns]
    X = sp.csr_matrix((values, (rows, columns)), shape=(n_samples, n_features))
    X.sum_duplicates()
    return X, y


def related_labels(n_samples, n_source, n_target, *, seed=0, noise=0.3):
    """Target labels ``y`` partly determined by source labels ``z``: ``(y, z)``.

    ``y`` is ``z`` folded onto the target classes, with a share ``noise`` of
    the labels redrawn at random, so ``0 < H(Y|Z) < H(Y)``.
    """
    rng = np.random.default_rng(seed)
    z = rng.integers(0, n_source, n_samples)
    y = z % n_target
    redrawn = rng.random(n_samples) < noise
    y[redrawn] = rng.integers(0, n_target, np.count_nonzero(redrawn))
    return y, z


def source_probabilities(n_samples, n_source, n_target, *, seed=0):
    """Target labels and a source model's class probabilities, ``(y, proba)``.

    The probabilities are a softmax of random logits shifted by a random
    profile per target class, so that they carry information about ``y`` as a
    pretrained classifier's outputs would.
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_target, n_samples)
    profiles = 2.0 * rng.standard_normal((n_target, n_source))
    logits = rng.standard_normal((n_samples, n_source))
    logits += profiles[y]
    logits -= logits.max(axis=1, keepdims=True)  # exp cannot overflow
    proba = np.exp(logits, out=logits)
    proba /= proba.sum(axis=1, keepdims=True)
    return y, proba


def related_tasks(n_samples, n_tasks, n_features, *, seed=0):
    """Task labels ``Y`` (one column per task) and one feature matrix per task.

    Every task is a coarsening of one hidden label, so the tasks are related
    and the transferability matrix has structure; the features of task ``t``
    carry the class means of task ``t``.
    """
    rng = np.random.default_rng(seed)
    hidden = rng.integers(0, 60, n_samples)
    Y = np.column_stack([hidden % (2 + t) for t in range(n_tasks)])
    features = []
    for t in range(n_tasks):
        means = rng.standard_normal((2 + t, n_features), np.float32)
        noise = rng.standard_normal((n_samples, n_features), np.float32)
        features.append(noise + CLASS_SEPARATION * means[Y[:, t]])
    return Y, features


def correlated_blocks(n_samples, n_sources, n_features, n_classes, *, seed=0):
    """Feature blocks of several sources sharing a common part, and labels.

    The shared part makes pairs of blocks correlated, as the layers of one
    network are, so that a pair is not simply the sum of its two blocks.
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n_samples)
    common = rng.standard_normal((n_samples, 32))
    blocks = [
        (
            rng.standard_normal((n_samples, n_features))
            + common @ rng.standard_normal((32, n_features))
            + 0.2 * rng.standard_normal((n_classes, n_features))[y]
        ).astype(np.float32)
        for _ in range(n_sources)
    ]
    return blocks, y


# Real embeddings of a real model, in the project's shared data next to the
# repository (see the README beside the file); absent from other checkouts.
EMBEDDINGS_NAME = "shared/data/minilm_docstrings/minilm_layers.npz"
EMBEDDINGS = Path(__file__).resolve().parents[2].joinpath(*EMBEDDINGS_NAME.split("/"))


def minilm_layers():
    """The MiniLM layers ``(7, 1989, 384)`` float32 and their labels, or None.

    Mean-pooled hidden states of every layer of all-MiniLM-L6-v2 on 1,989
    docstrings of Python's standard library, labelled by their package.
    """
    if not EMBEDDINGS.is_file():
        return None
    with np.load(EMBEDDINGS, allow_pickle=False) as data:
        return data["layers"], data["labels"]
