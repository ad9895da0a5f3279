"""Warnings raised by sktransfer."""

__all__ = ["FewSamplesWarning"]


class FewSamplesWarning(UserWarning):
    """Warn that the features are many compared with the samples.

    The plain H-score then over-fits: once the number of features reaches the
    samples' degrees of freedom beyond the class means (``n_samples -
    n_classes``), any labelling is separated perfectly and the score is the
    rank of the features, whatever they are. The regularised H-score
    (``shrinkage="ledoit_wolf"`` or ``"oas"``) does not have this problem.

    See Also
    --------
    sktransfer.metrics.h_score : Raises it, and takes ``shrinkage``.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sktransfer import FewSamplesWarning, h_score
    >>> X = np.random.default_rng(0).standard_normal((10, 8))
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     score = h_score(X, [0, 1] * 5)
    >>> caught[0].category is FewSamplesWarning
    True
    """
