import runpy
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.py"))
# Examples that need labels sktransfer does not ship: their main() returns
# False, after saying what it would show, when the labels are absent.
NEEDS_DATA = {
    "plot_celeba_tasks.py": "CelebA labels (celeba/)",
    "plot_cub_curriculum.py": "CUB labels (cub/)",
}


@pytest.fixture
def headless(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")  # in case pyplot was imported before the variable was set
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_example_runs(path, headless):
    if path.name not in NEEDS_DATA:
        runpy.run_path(str(path), run_name="__main__")
        return
    example = runpy.run_path(str(path), run_name="example")  # defines, runs nothing
    if not example["main"]():
        pytest.skip(
            f"the {NEEDS_DATA[path.name]} are absent: set SKTRANSFER_DATA to the "
            "folder that holds them to run this example"
        )


@pytest.mark.parametrize("name", sorted(NEEDS_DATA))
def test_example_without_its_data_says_what_it_shows_and_no_path(
    name, headless, monkeypatch, tmp_path, capsys
):
    monkeypatch.setenv("SKTRANSFER_DATA", str(tmp_path))  # an empty folder
    path = Path(__file__).parents[1] / "examples" / name
    example = runpy.run_path(str(path), run_name="example")
    assert example["main"]() is False
    out = capsys.readouterr().out
    assert out == example["ABSENT"] + "\n"
    assert "SKTRANSFER_DATA" in out and "draws" in out
    # Gallery pages print this output: no path of the machine that built them.
    assert str(tmp_path) not in out and str(path.parents[1]) not in out
    assert "/" not in out
