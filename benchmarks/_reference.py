"""Straightforward implementations of the papers' formulas, to time against.

Each is what one would write from the paper with numpy in a few lines: the
baseline the library has to beat. They are not the test suite's references
(``tests/reference.py``), which favour exactness over speed.
"""

import numpy as np


def h_score(X, y):
    """``tr(pinv(cov(f)) cov(E[f|y]))`` (Bao et al. 2019), covariances by 1/n."""
    classes, counts = np.unique(y, return_counts=True)
    covariance = np.cov(X, rowvar=False, bias=True)  # a float64 copy of X
    class_means = np.stack([X[y == c].mean(axis=0) for c in classes])
    between = np.cov(class_means, rowvar=False, aweights=counts, bias=True)
    return float(np.trace(np.linalg.pinv(covariance) @ between))


def conditional_entropy(y, z):
    """``H(Y|Z)`` in nats from the dense joint table of the two labelings."""
    y_classes, y_codes = np.unique(y, return_inverse=True)
    z_classes, z_codes = np.unique(z, return_inverse=True)
    joint = np.zeros((z_classes.size, y_classes.size))
    np.add.at(joint, (z_codes, y_codes), 1.0)
    joint /= y.size
    conditional = joint / joint.sum(axis=1, keepdims=True)  # P(y|z)
    cells = joint > 0
    return float(-np.sum(joint[cells] * np.log(conditional[cells])))


def leep_score(y, proba):
    """LEEP (Nguyen et al. 2020): mean log of ``sum_z P(y_i|z) theta_i(z)``."""
    classes, y_codes = np.unique(y, return_inverse=True)
    joint = np.column_stack(
        [proba[y_codes == c].sum(axis=0) for c in range(classes.size)]
    )
    conditional = joint / joint.sum(axis=1, keepdims=True)  # P(y|z), (n_z, n_y)
    expected = proba @ conditional
    return float(np.mean(np.log(expected[np.arange(y.size), y_codes])))
