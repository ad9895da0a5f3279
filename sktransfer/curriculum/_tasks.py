"""Check a table of task labels and encode every task once.

One row per sample and one column per task (a classification task over the same
samples). Each column is encoded on its own, so columns may hold labels of
different kinds (strings in one, integers in another).
"""

import numpy as np
from sklearn.utils import check_array

from sktransfer._limits import check_allocation
from sktransfer._validation import encode_labels, label_value


class TaskTable:
    """Encoded tasks: their names, classes and integer codes.

    Parameters
    ----------
    names : list of str
        One name per task.
    classes : list of ndarray
        The sorted classes of each task.
    codes : ndarray of shape (n_samples, n_tasks), dtype intp, Fortran order
        ``classes[j][codes[:, j]]`` gives back the labels of task ``j``.
    """

    def __init__(self, names, classes, codes):
        self.names = names
        self.classes = classes
        self.codes = codes

    @property
    def n_classes(self):
        return tuple(len(c) for c in self.classes)

    @property
    def n_samples(self):
        return self.codes.shape[0]

    @property
    def n_tasks(self):
        return self.codes.shape[1]


def check_task_table(Y, *, task_names=None, estimator=None):
    """Validate the label table ``Y`` and encode each of its tasks.

    Parameters
    ----------
    Y : array-like or DataFrame of shape (n_samples, n_tasks)
        Class labels, one column per task.
    task_names : array-like of str, default=None
        Names of the tasks; by default the columns of a DataFrame, otherwise
        ``"task0"``, ``"task1"``, ...
    estimator : estimator instance, default=None
        Named in the messages of scikit-learn's input checks.

    Returns
    -------
    TaskTable
    """
    columns = getattr(Y, "columns", None)
    try:
        table = check_array(
            Y,
            dtype=None,
            # Counted below and by encode_labels, in messages that name Y.
            ensure_all_finite=False,
            ensure_min_samples=0,
            input_name="Y",
            estimator=estimator,
        )
    except ValueError as exc:
        if "inhomogeneous" not in str(exc):
            raise
        raise ValueError(
            "Y must be a table of labels of shape (n_samples, n_tasks), one row per "
            "sample and one column per task, so that every task labels the same "
            "samples; its rows have different lengths"
        ) from None
    if table.shape[0] < 2:
        raise ValueError(
            f"Y has {table.shape[0]} sample(s) (shape {table.shape}); every task "
            "needs at least two classes, so Y needs at least 2 samples"
        )
    n_tasks = table.shape[1]
    if n_tasks < 2:
        raise ValueError(
            f"Y has a single task (n_features = 1 column, shape {table.shape}); "
            "relations between tasks need at least two tasks, one per column"
        )
    names = task_names_of(n_tasks, task_names, columns)
    check_allocation(
        8 * n_tasks * n_tasks,
        what=f"the {n_tasks} x {n_tasks} matrix of transfers between Y's tasks",
        remedy="pass fewer tasks (columns of Y)",
    )
    classes = []
    codes = np.empty(table.shape, dtype=np.intp, order="F")
    for j, name in enumerate(names):
        where = f"Y column {name!r}"
        # encode_labels refuses labels that do not sort consistently (tuples,
        # frozensets, ...), as every entry point does.
        (task_classes,), task_codes = encode_labels(table[:, j], name=where)
        if task_classes.size < 2:
            raise ValueError(
                f"{where} has one class only ({label_value(task_classes[0])!r}); every "
                "task needs at least two classes"
            )
        classes.append(task_classes)
        codes[:, j] = task_codes[:, 0]
    return TaskTable(names, classes, codes)


def task_names_of(n_tasks, task_names=None, columns=None):
    """The task names: given, from DataFrame columns, or ``task0``, ``task1``, ..."""
    if task_names is not None:
        names = [str(name) for name in np.asarray(task_names, dtype=object).ravel()]
        if len(names) != n_tasks:
            raise ValueError(
                f"task_names has {len(names)} names but there are {n_tasks} tasks; "
                "give one name per task"
            )
    elif columns is not None:
        names = [str(column) for column in columns]
    else:
        names = [f"task{j}" for j in range(n_tasks)]
    if len(set(names)) < len(names):
        repeated = sorted({name for name in names if names.count(name) > 1})
        raise ValueError(
            f"task names must be unique; {', '.join(map(repr, repeated))} occur more "
            "than once"
        )
    return names
