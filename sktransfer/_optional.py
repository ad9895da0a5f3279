"""Optional dependencies, imported when needed, with the command that installs them.

matplotlib (the ``plot`` extra) and pandas (the ``pandas`` extra) are not
needed by the metrics; a function that needs one imports it through
:func:`import_optional`, so that its absence is reported with what to install.
"""

import importlib


def import_optional(module, *, extra, purpose):
    """Import ``module``, or raise an ImportError that says what to install.

    Parameters
    ----------
    module : str
        The module, e.g. ``"matplotlib.pyplot"``.
    extra : str
        The sktransfer extra that installs it (``pyproject.toml``).
    purpose : str
        What needs it, as the message names it: ``"plot_curriculum"``.

    Returns
    -------
    module : module
        The imported module.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        package = module.partition(".")[0]
        raise ImportError(
            f"{purpose} needs {package}, which is not installed; install it with "
            f'pip install "sktransfer[{extra}]" (from a clone of the repository: '
            f'pip install ".[{extra}]"), or pip install {package}'
        ) from exc
