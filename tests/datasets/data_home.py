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
        pytest.skip(f"{marker} not found under {folder}; set SKTRANSFER_DATA")
    return folder
