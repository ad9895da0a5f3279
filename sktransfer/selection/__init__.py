"""Source selection: rank candidate sources for a target task and keep the best.

A source is anything that maps the target samples to features or predictions:
a pretrained model, a layer of a network, a fitted transformer, or a group of
columns of a wide feature table.
"""

from sktransfer.selection._ranking import rank_sources
from sktransfer.selection._selector import SourceSelector

__all__ = ["SourceSelector", "rank_sources"]
