"""Loaders of real multi-task label sets, read from a local data folder.

Nothing is downloaded: each loader takes the folder that holds the files.
"""

from sktransfer.datasets._celeba import load_celeba_labels
from sktransfer.datasets._cub import load_cub_labels

__all__ = ["load_celeba_labels", "load_cub_labels"]
