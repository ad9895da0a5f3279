"""Representations and tasks built on scikit-learn's bundled digits data.

Small, fast stand-ins for the real experiments: several representations of the
same images, from informative to useless, and several tasks labelled on the
same images, for demos, examples and benchmarks.
"""

import numpy as np
from sklearn.decomposition import PCA
from sklearn.kernel_approximation import RBFSampler
from sklearn.preprocessing import FunctionTransformer
from sklearn.random_projection import GaussianRandomProjection


def _pool_digits(X):
    """Average-pool 8x8 digit images over 2x2 blocks into 4x4 images."""
    blocks = np.asarray(X, dtype=float).reshape(-1, 4, 2, 4, 2)
    return blocks.mean(axis=(2, 4)).reshape(-1, 16)


def _noise(X, random_state=0, n_features=8):
    """Gaussian noise unrelated to ``X``, one row per sample: a useless feature."""
    rng = np.random.default_rng(random_state)
    return rng.standard_normal((len(X), n_features))


def digits_representations(random_state=0):
    """Candidate representations of the 8x8 digit images, as unfitted transformers.

    They range from informative (the raw pixels, PCA with 32 components, random
    RBF features) to useless (Gaussian noise), so that a transferability score
    can be checked against the accuracy a linear probe reaches on each.

    Parameters
    ----------
    random_state : int, default=0
        Seed of every randomised representation.

    Returns
    -------
    representations : dict of str to transformer
        Name of each representation and the transformer that computes it from
        the 64 pixel values of a digit image.

    See Also
    --------
    digits_tasks : Several tasks labelled on the same images.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sktransfer.datasets import digits_representations
    >>> X, y = load_digits(return_X_y=True)
    >>> sorted(digits_representations())[:3]
    ['noise_8', 'pca_2', 'pca_32']
    >>> digits_representations()["pool_4x4"].fit_transform(X).shape
    (1797, 16)
    """
    return {
        "raw_pixels": FunctionTransformer(),
        "pca_2": PCA(n_components=2, random_state=random_state),
        "pca_8": PCA(n_components=8, random_state=random_state),
        "pca_32": PCA(n_components=32, random_state=random_state),
        "pool_4x4": FunctionTransformer(_pool_digits),
        "random_projection_8": GaussianRandomProjection(
            n_components=8, random_state=random_state
        ),
        "rbf_features_128": RBFSampler(
            gamma=1e-3, n_components=128, random_state=random_state
        ),
        "noise_8": FunctionTransformer(_noise, kw_args={"random_state": random_state}),
    }


def digits_tasks(y):
    """Several classification tasks on the digits: the digit and facts about it.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        The digit of each image.

    Returns
    -------
    tasks : dict of str to ndarray
        Task name and labels: ``digit``, ``parity``, ``at_least_5``, ``mod_3``,
        ``is_prime`` and ``has_loop`` (0, 6, 8 and 9 have a closed loop).

    See Also
    --------
    digits_representations : Several representations of the same images.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.datasets import digits_tasks
    >>> tasks = digits_tasks(np.array([0, 3, 8]))
    >>> tasks["parity"], tasks["has_loop"]
    (array([0, 1, 0]), array([1, 0, 1]))
    """
    return {
        "digit": y,
        "parity": y % 2,
        "at_least_5": (y >= 5).astype(int),
        "mod_3": y % 3,
        "is_prime": np.isin(y, [2, 3, 5, 7]).astype(int),
        "has_loop": np.isin(y, [0, 6, 8, 9]).astype(int),
    }
