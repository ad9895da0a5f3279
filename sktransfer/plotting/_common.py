"""What every plotting function shares: matplotlib, imported when drawing."""

from sktransfer._optional import import_optional


def pyplot(purpose):
    """``matplotlib.pyplot``, or an ImportError that says how to install it."""
    return import_optional("matplotlib.pyplot", extra="plot", purpose=purpose)


def axes_for(ax, figsize, purpose):
    """``ax``, or the axes of a new figure of ``figsize`` inches.

    matplotlib is checked either way, so that its absence is reported by the
    function the user called, with what to install.
    """
    plt = pyplot(purpose)
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=figsize)
    return ax
