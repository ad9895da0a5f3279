"""Warnings raised by sktransfer."""

__all__ = ["FewSamplesWarning"]


class FewSamplesWarning(UserWarning):
    """Warn that the features are many compared with the samples.

    The plain H-score then over-fits: as the number of features approaches the
    samples' degrees of freedom beyond the class means (``n_samples -
    n_classes``), the centred features span almost every direction of the
    centred one-hot labels, and with ``n_samples - 1`` features the score is
    its maximum ``n_classes - 1`` whatever the features are. The regularised
    H-score (``shrinkage="ledoit_wolf"`` or ``"oas"``) shrinks this inflation.

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


class PrecisionError(ValueError):
    """Statistics cannot vouch for a score at the tolerance, and hold no data.

    Raised when statistics that were merged from chunks (a streaming
    accumulator, a Dask reduction) were gathered on a route whose rounding
    could have moved the score by more than its tolerance, so that the score
    would need the data read again on a more exact route. Accumulate with a
    more exact ``route`` (``"gram64"`` or ``"qr"``) instead.

    See Also
    --------
    sktransfer.metrics.FeatureStatistics : Takes ``route``.

    Examples
    --------
    >>> from sktransfer import PrecisionError
    >>> issubclass(PrecisionError, ValueError)
    True
    """
