"""Progress bars: drawn on a terminal for long loops, silent everywhere else."""

import io
import time
from functools import partial

import numpy as np
from tqdm import tqdm

from sktransfer import rank_sources, transferability_matrix
from sktransfer._progress import progress_bars, tracked
from sktransfer.cli import terminal_bars


class Terminal(io.StringIO):
    def isatty(self):
        return True


def immediate_bars(stream):
    return partial(tqdm, file=stream, disable=None, delay=0)


def tasks(n_tasks=6, n_samples=200, seed=0):
    return np.random.default_rng(seed).integers(0, 3, (n_samples, n_tasks))


def test_without_bars_loops_run_untouched():
    assert list(tracked(iter(range(5)), 5, "work")) == list(range(5))


def test_task_pairs_advance_a_bar_on_a_terminal():
    screen = Terminal()
    with progress_bars(immediate_bars(screen)):
        matrix = transferability_matrix(tasks())
    assert "task pairs" in screen.getvalue()
    assert "15/15" in screen.getvalue()  # 6 tasks: 15 unordered pairs
    assert np.array_equal(matrix, transferability_matrix(tasks()))


def test_source_combinations_advance_a_bar_on_a_terminal():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    sources = {
        f"s{i}": rng.standard_normal((300, 4)) + y[:, None] * i for i in range(4)
    }
    screen = Terminal()
    with progress_bars(immediate_bars(screen)):
        with_bar = rank_sources(sources, y, max_order=2)
    assert "scoring sources" in screen.getvalue()
    without = rank_sources(sources, y, max_order=2)
    assert list(with_bar["source"]) == list(without["source"])
    assert np.array_equal(with_bar["score"], without["score"])


def test_nothing_is_drawn_when_the_stream_is_not_a_terminal():
    redirected = io.StringIO()
    with progress_bars(immediate_bars(redirected)):
        transferability_matrix(tasks())
    assert redirected.getvalue() == ""


def test_the_command_line_bar_waits_for_work_that_takes_a_while():
    def slow(n, pause):
        for i in range(n):
            time.sleep(pause)
            yield i

    quick, slow_screen = Terminal(), Terminal()
    with progress_bars(terminal_bars(quick)):
        list(tracked(slow(3, 0.0), 3, "quick work"))
    with progress_bars(terminal_bars(slow_screen)):
        list(tracked(slow(4, 0.2), 4, "slow work"))
    assert quick.getvalue() == ""
    assert "slow work" in slow_screen.getvalue()
