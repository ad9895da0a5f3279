"""Warnings raised by sktransfer."""

__all__ = ["FewSamplesWarning"]


class FewSamplesWarning(UserWarning):
    """The number of features is close to or above the number of samples.

    The plain H-score then over-fits: with ``k >= m - 1`` centred features any
    labelling is separated perfectly and the score reaches its maximum ``C - 1``
    whatever the features are. Pass ``shrinkage="ledoit_wolf"`` (or ``"oas"``)
    for the regularised H-score instead.
    """
