"""Candidates (single sources and combinations), their scores and their ranking.

Shared by :class:`SourceSelector`, :class:`ColumnGroupSelector` (through the
mixin of ``_base``) and :func:`rank_sources`: all reduce to the outputs of
named sources on the target samples, scored by a registered metric or a
callable, and a table of the candidates ordered best first.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.utils.parallel import delayed

from sktransfer._engine import probability_chunks
from sktransfer._limits import candidate_combinations
from sktransfer._parallel import threaded
from sktransfer._validation import check_features, encode_labels
from sktransfer.metrics import combination_scores

# Joins the names of the sources of a combination: "resnet+vit".
SEPARATOR = "+"
_KINDS = {
    "features": "features",
    "labels": "predicted labels",
    "probabilities": "class probabilities",
}


def check_names(names, *, argument):
    """Names of sources: unique, non-empty strings that do not contain '+'."""
    if not names:
        raise ValueError(
            f"{argument} is empty; pass at least one source to score and rank"
        )
    for name in names:
        if not isinstance(name, str) or not name:
            raise ValueError(
                f"{argument} names must be non-empty strings; got {name!r}"
            )
        if SEPARATOR in name:
            raise ValueError(
                f"{argument} name {name!r} contains {SEPARATOR!r}, which joins the "
                "names of a combination of sources; rename the source"
            )
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(
            f"{argument} has duplicate names {duplicates}; give every source a "
            "distinct name"
        )


def combinations(n_sources, max_order):
    """Candidates as tuples of source indices: singles first, then pairs, ...

    Refused beyond ``MAX_CANDIDATES`` of them, counted first.
    """
    return candidate_combinations(n_sources, max_order)


def check_n_select(n_select, n_candidates, n_sources, max_order):
    if n_select > n_candidates:
        raise ValueError(
            f"n_select={n_select} is larger than the number of candidates, "
            f"{n_candidates} ({n_sources} sources with max_order={max_order}); "
            "lower n_select or raise max_order"
        )


def source_output(name, kind):
    """How error messages call a source's output: "the features of source 'a'"."""
    return f"the {_KINDS[kind]} of source {name!r}"


def check_outputs(outputs, names, kind, n_samples):
    """Validate each source's output on the target samples, naming the source."""
    checked = []
    for name, output in zip(names, outputs, strict=True):
        what = source_output(name, kind)
        if kind == "labels":
            # The codes: every label metric reads only which samples share a label.
            output = encode_labels(output, name=what)[1][:, 0]
        else:
            if getattr(output, "dtype", None) == np.dtype(object):
                # Sources such as a column selector pass object input through.
                try:
                    output = np.asarray(output, dtype=np.float64)
                except (TypeError, ValueError):
                    pass  # check_features says what is wrong
            output = check_features(output, name=what)
            if kind == "probabilities":
                # The metric would check them too, under its own argument name.
                for _ in probability_chunks(output, name=what):
                    pass
        if output.shape[0] != n_samples:
            raise ValueError(
                f"{what} has {output.shape[0]} rows but y has {n_samples} labels; "
                "every source must give one row per sample of the target"
            )
        checked.append(output)
    return checked


def score_outputs(outputs, names, y, metric, max_order, n_jobs):
    """Score every candidate of sources' outputs by a registered metric.

    Features go through :func:`score_combinations`. Labels of a combination
    are the sources' joint labels (one class per tuple of their labels), the
    hard-label analogue of concatenating features. Class probabilities do not
    concatenate, so they are scored one source at a time.
    """
    candidates = combinations(len(outputs), max_order)
    if metric.input == "features":
        return combination_scores(
            outputs,
            y,
            metric=metric,
            max_order=max_order,
            n_jobs=n_jobs,
            names=[source_output(name, "features") for name in names],
        )
    if metric.input == "probabilities" and max_order > 1 and len(outputs) > 1:
        raise ValueError(
            f"scoring={metric.name!r} reads class probabilities, which do not "
            "concatenate into a combination of sources; use max_order=1 with it"
        )
    if metric.input == "labels":
        codes = [
            encode_labels(output, name="source labels")[1][:, 0] for output in outputs
        ]
        tasks = (_joint_labels([codes[g] for g in c]) for c in candidates)
    else:
        tasks = (outputs[c[0]] for c in candidates)
    scores = threaded((delayed(metric.evaluate)(output, y) for output in tasks), n_jobs)
    return dict(zip(candidates, map(float, scores), strict=True))


def score_callable(score, outputs, y, max_order, n_jobs):
    """Score every candidate by ``score(output, y)``, combinations concatenated."""
    candidates = combinations(len(outputs), max_order)
    scores = threaded(
        (delayed(score)(concatenate([outputs[g] for g in c]), y) for c in candidates),
        n_jobs,
    )
    return dict(zip(candidates, map(float, scores), strict=True))


def concatenate(parts):
    """Outputs side by side (a single output as it is; 1-D ones as columns)."""
    if len(parts) == 1:
        return parts[0]
    parts = [p.reshape(-1, 1) if np.ndim(p) == 1 else p for p in parts]
    if any(sp.issparse(p) for p in parts):
        return sp.hstack(parts, format="csr")
    return np.hstack([np.asarray(p) for p in parts])


def _joint_labels(codes):
    if len(codes) == 1:
        return codes[0]
    return np.unique(np.column_stack(codes), axis=0, return_inverse=True)[1].ravel()


def ranking_table(names, scores):
    """The ranking table of scored candidates, best first, and the candidates
    in that order.

    ``scores`` maps tuples of source indices to scores. Greater is better; a
    NaN score ranks last; ties keep the candidates' order (singles first).
    """
    candidates = list(scores)
    values = np.array([scores[c] for c in candidates], dtype=float)
    order = np.argsort(np.where(np.isnan(values), -np.inf, -values), kind="stable")
    table = {
        "source": np.array(
            [SEPARATOR.join(names[g] for g in candidates[i]) for i in order],
            dtype=object,
        ),
        "score": values[order],
        "rank": np.arange(1, len(candidates) + 1),
        "order": np.array([len(candidates[i]) for i in order]),
    }
    return table, [candidates[i] for i in order]
