"""Data for experiments: loaders of real multi-task label sets, and digits tasks.

Nothing is downloaded: each loader takes the folder that holds the files. The
digits helpers build representations and tasks on scikit-learn's bundled data.
"""

from sktransfer.datasets._celeba import load_celeba_labels
from sktransfer.datasets._cub import load_cub_labels
from sktransfer.datasets._digits import digits_representations, digits_tasks

__all__ = [
    "digits_representations",
    "digits_tasks",
    "load_celeba_labels",
    "load_cub_labels",
]
