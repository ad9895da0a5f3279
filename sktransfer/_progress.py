"""Progress of long loops, shown only where someone asked to see it.

Library code marks its long loops with :func:`tracked`; nothing is shown
unless a caller, such as the command line, installs a bar factory with
:func:`progress_bars`. The factory travels in a context variable, so it
reaches the loops without a parameter in every public function's signature.
"""

from contextlib import contextmanager
from contextvars import ContextVar

_bar_factory = ContextVar("sktransfer_progress_bars", default=None)


@contextmanager
def progress_bars(factory):
    """Within the block, long loops report to ``factory(total=..., desc=...)``.

    The factory returns a context manager with an ``update()`` method, as
    :class:`tqdm.tqdm` does.
    """
    token = _bar_factory.set(factory)
    try:
        yield
    finally:
        _bar_factory.reset(token)


def progress_wanted(description):
    """Whether work named ``description`` should advance a progress bar."""
    return description is not None and _bar_factory.get() is not None


def tracked(items, total, description):
    """Yield ``items``, advancing a progress bar per item if one is wanted."""
    if not progress_wanted(description):
        yield from items
        return
    with _bar_factory.get()(total=total, desc=description) as bar:
        for item in items:
            yield item
            bar.update()
