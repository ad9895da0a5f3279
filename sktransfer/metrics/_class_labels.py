"""Class labels of a target task, checked for the metrics that need two classes."""

from sktransfer._validation import check_two_classes, encode_labels


def encode_classes(y, *, n_samples, metric, allow_2d=False):
    """Integer codes of ``y``, refusing a label vector with a single class.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or, with ``allow_2d``, (n_samples, n_tasks)
        Class labels.
    n_samples : int
        Number of samples of the features.
    metric : str
        Name of the metric, for the error message.
    allow_2d : bool, default=False
        Accept one label vector per column.

    Returns
    -------
    classes : list of ndarray
        The sorted classes of each label vector.
    codes : ndarray of shape (n_samples, n_tasks), dtype intp
    """
    classes, codes = encode_labels(y, n_samples=n_samples, allow_2d=allow_2d)
    check_two_classes(classes, f"{metric} needs at least two classes")
    return classes, codes
