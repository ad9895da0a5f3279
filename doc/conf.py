"""Sphinx configuration of the sktransfer documentation.

Build with ``python -m sphinx -W -b html doc doc/_build/html`` (the gallery
runs every example in ``examples/``).
"""

import os
import warnings
from pathlib import Path

import sktransfer

project = "sktransfer"
author = "The sktransfer developers"
copyright = "2026, The sktransfer developers"
release = sktransfer.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py.md5"]
templates_path = ["_templates"]

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_xref_param_type = False

intersphinx_mapping = {}  # no network in the build: links are written out in full

html_theme = "pydata_sphinx_theme"
html_title = "sktransfer"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}

# The examples run headless; those needing the shared real data print a note
# and stop early when it is absent.
os.environ.setdefault("MPLBACKEND", "Agg")
warnings.filterwarnings("ignore", message="Matplotlib is currently using agg")

sphinx_gallery_conf = {
    "examples_dirs": str(Path(__file__).parent.parent / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "within_subsection_order": "FileNameSortKey",
}
