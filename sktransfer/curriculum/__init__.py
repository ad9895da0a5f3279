"""Relations between many tasks labelled on the same samples.

The transferability matrix of every pair of tasks, and :class:`CurriculumBuilder`,
which turns it into a task graph, a spanning tree, a curriculum (an order in which
to label and learn the tasks), task hardness and a clustering of the tasks.
"""

from sktransfer.curriculum._builder import CurriculumBuilder
from sktransfer.curriculum._matrix import transferability_matrix
from sktransfer.curriculum._second_order import second_order_transferability
from sktransfer.curriculum._tasks import task_names_of as task_names_of  # plotting

__all__ = [
    "CurriculumBuilder",
    "second_order_transferability",
    "transferability_matrix",
]
