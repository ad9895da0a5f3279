"""Without matplotlib, every plotting function says what to install."""

import sys

import networkx as nx
import numpy as np
import pytest

from sktransfer.plotting import (
    plot_curriculum,
    plot_pixelwise_map,
    plot_rank_agreement,
    plot_task_dendrogram,
    plot_task_hardness,
    plot_transferability_matrix,
)

CALLS = {
    "plot_curriculum": lambda: plot_curriculum(nx.DiGraph([("a", "b")])),
    "plot_pixelwise_map": lambda: plot_pixelwise_map(np.ones((2, 2))),
    "plot_rank_agreement": lambda: plot_rank_agreement([1, 2], [1, 3]),
    "plot_task_dendrogram": lambda: plot_task_dendrogram([[0.0, 1.0, 1.0, 2.0]]),
    "plot_task_hardness": lambda: plot_task_hardness([0.5, 0.7]),
    "plot_transferability_matrix": lambda: plot_transferability_matrix(np.eye(2)),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_plot_without_matplotlib_says_what_to_install(name, monkeypatch):
    # None in sys.modules makes `import matplotlib` fail, as if not installed.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError) as caught:
        CALLS[name]()
    message = str(caught.value)
    assert message.startswith(f"{name} needs matplotlib, which is not installed")
    assert 'pip install "sktransfer[plot]"' in message


def test_every_plotting_function_is_covered():
    import sktransfer.plotting

    assert set(CALLS) == set(sktransfer.plotting.__all__)
