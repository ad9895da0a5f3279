"""Where the tests find the shared real label files, if anywhere."""

import os
from pathlib import Path

import pytest

# SKTRANSFER_DATA overrides the shared folder next to the repository.
DATA_HOME = Path(
    os.environ.get(
        "SKTRANSFER_DATA",
        Path(__file__).resolve().parents[2].parent / "shared" / "data",
    )
)


def shared_folder(name, marker):
    """``DATA_HOME / name``, or skip the test when ``marker`` is not in it."""
    folder = DATA_HOME / name
    if not (folder / marker).is_file():
        # Never the folder itself: skip reasons are printed, and it is a path
        # of this machine.
        pytest.skip(
            f"the {name} labels ({marker}) are absent: set SKTRANSFER_DATA to the "
            f"folder that holds {name}/"
        )
    return folder
