"""Source selection: rank candidate sources for a target task and keep the best.

A source is anything that maps the target samples to features or predictions:
a pretrained model, a layer of a network, a fitted transformer
(:class:`SourceSelector`), or a group of columns of a wide feature table
(:class:`ColumnGroupSelector`).
"""

from sktransfer.selection._column_groups import ColumnGroupSelector
from sktransfer.selection._ranking import rank_sources
from sktransfer.selection._selector import SourceSelector

__all__ = ["ColumnGroupSelector", "SourceSelector", "rank_sources"]
