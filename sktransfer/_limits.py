"""Guards against work that cannot fit: large allocations and candidate counts.

Both refuse before anything is attempted, with the size and the parameter that
drives it, where numpy would fail with a bare ``MemoryError`` after minutes of
work, or the machine would swap.
"""

import itertools
import os

# An array of more than this share of the machine's memory is refused.
MEMORY_SHARE = 0.5
# Candidates (sources and combinations of them) one call may score. Each costs
# at least one score and a row of the ranking table; beyond a million, scoring
# takes hours for most metrics and the table gigabytes.
MAX_CANDIDATES = 1_000_000
# Bytes per candidate held while ranking, besides those per source in it: the
# tuple, its score, its place in the table and in the dictionary of scores.
_CANDIDATE_BYTES = 200
_CANDIDATE_BYTES_PER_SOURCE = 64
# Where Linux keeps a control group's memory limit (cgroup v2, then v1).
_CGROUP_LIMITS = (
    "/sys/fs/cgroup/memory.max",
    "/sys/fs/cgroup/memory/memory.limit_in_bytes",
)


def memory_size():
    """Bytes of memory this process may use, or None where it cannot be read.

    The physical memory, or the limit of the process's control group (a
    container's) when that is lower.
    """
    sizes = []
    try:
        sizes.append(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):  # not on Windows
        pass
    for path in _CGROUP_LIMITS:
        try:
            with open(path) as file:
                text = file.read().strip()
        except OSError:
            continue
        if text.isdigit():  # "max" when there is no limit
            sizes.append(int(text))
    sizes = [size for size in sizes if size > 0]
    return min(sizes) if sizes else None


def format_bytes(n_bytes):
    """``n_bytes`` in the largest binary unit that keeps a number above 1."""
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n_bytes >= size:
            return f"{n_bytes / size:.1f} {unit}"
    return f"{n_bytes:,} bytes"


def check_allocation(n_bytes, *, what, remedy):
    """Refuse an array of ``n_bytes`` beyond ``MEMORY_SHARE`` of the memory.

    Parameters
    ----------
    n_bytes : int
        Size of the array about to be allocated.
    what : str
        What the array holds and its shape, starting the message: "NLEEP's
        float64 copy of X (100 x 10 values)".
    remedy : str
        The parameter that drives the size and how to change it.
    """
    size = memory_size()
    if size is None or n_bytes <= MEMORY_SHARE * size:
        return
    raise ValueError(
        f"{what} would take {format_bytes(n_bytes)}, more than "
        f"{MEMORY_SHARE:.0%} of the {format_bytes(size)} of memory; {remedy}"
    )


def count_candidates(n_sources, max_order):
    """The number of non-empty combinations of at most ``max_order`` sources.

    ``sum_{k=1}^{min(max_order, n)} C(n, k)``, each term from the last by
    ``C(n, k + 1) = C(n, k) (n - k) / (k + 1)``: exact, and quick even when the
    count has thousands of digits.
    """
    count, term = 0, 1
    for k in range(min(max_order, n_sources)):
        term = term * (n_sources - k) // (k + 1)
        count += term
    return count


def format_count(count):
    """A count with thousands separators, or its order of magnitude if huge."""
    if count < 10**12:
        return f"{count:,}"
    digits = str(count)
    return f"about {digits[0]}.{digits[1]}e+{len(digits) - 1}"


def check_candidates(n_sources, max_order, *, parameter="max_order"):
    """Refuse more than ``MAX_CANDIDATES`` candidates; return their number.

    ``parameter`` names the argument that sets ``max_order`` in the message.
    """
    count = count_candidates(n_sources, max_order)
    if count > MAX_CANDIDATES:
        fitting = _largest_order_within(n_sources, MAX_CANDIDATES)
        hint = (
            f"lower {parameter} to {fitting} or less "
            f"({count_candidates(n_sources, fitting):,} candidates)"
            if fitting
            else "score fewer sources"
        )
        order = min(max_order, n_sources)
        which = (
            "each source"
            if order == 1
            else f"each source and every combination of 2 to {order} of them"
        )
        raise ValueError(
            f"{parameter}={max_order} over {n_sources:,} sources makes "
            f"{format_count(count)} candidates ({which}), more than the "
            f"{MAX_CANDIDATES:,} one call scores; {hint}"
        )
    order = min(max_order, n_sources)
    check_allocation(
        count * (_CANDIDATE_BYTES + _CANDIDATE_BYTES_PER_SOURCE * order),
        what=f"the table of {count:,} candidates",
        remedy=f"lower {parameter}",
    )
    return count


def _largest_order_within(n_sources, limit):
    """The largest ``max_order`` whose candidates are at most ``limit``; 0 if
    even the single sources are more."""
    count, term, order = 0, 1, 0
    for k in range(n_sources):
        term = term * (n_sources - k) // (k + 1)
        if count + term > limit:
            break
        count += term
        order = k + 1
    return order


def candidate_combinations(n_sources, max_order, *, parameter="max_order"):
    """Candidates as tuples of source indices, singles first, then pairs, ...;
    their number checked first by :func:`check_candidates`."""
    check_candidates(n_sources, max_order, parameter=parameter)
    return [
        combination
        for order in range(1, min(max_order, n_sources) + 1)
        for combination in itertools.combinations(range(n_sources), order)
    ]
