"""matplotlib views of transferability results (needs the optional matplotlib).

Importing this package does not import matplotlib; each function does, when
called, and says how to install it (``pip install "sktransfer[plot]"``) when
it is missing. Every function draws into the ``Axes`` it is given (a new
figure when ``ax=None``) and returns it.
"""

from sktransfer.plotting._agreement import plot_rank_agreement
from sktransfer.plotting._pixelwise import plot_pixelwise_map
from sktransfer.plotting._tasks import (
    plot_curriculum,
    plot_task_dendrogram,
    plot_task_hardness,
    plot_transferability_matrix,
)

__all__ = [
    "plot_curriculum",
    "plot_pixelwise_map",
    "plot_rank_agreement",
    "plot_task_dendrogram",
    "plot_task_hardness",
    "plot_transferability_matrix",
]
