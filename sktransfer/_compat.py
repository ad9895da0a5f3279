"""The one door to scikit-learn's private API.

sktransfer uses a few names that scikit-learn does not make public: its
parameter validation (the constraints of ``_parameter_constraints`` and
``validate_params``), the fit context that runs it, the parameter handling of
compositions of named estimators, the output container chosen with
``set_output``, and the input feature names a transformer names its outputs
after. Every module imports them from here, never from scikit-learn (a test,
``tests/test_compat.py``, holds the package to it), so that a scikit-learn
release that moves or changes one breaks this file alone.

The names below are the same, with the same signatures, from scikit-learn
1.6.1 (the oldest version ``pyproject.toml`` declares) to the newest tested;
where a release changes one, the difference is handled here, behind the name
the package uses.
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_parameter_constraints,
    validate_params,
)
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.metaestimators import _BaseComposition
from sklearn.utils.validation import _check_feature_names_in

__all__ = [
    "BaseComposition",
    "HasMethods",
    "Interval",
    "InvalidParameterError",
    "StrOptions",
    "check_feature_names_in",
    "fit_context",
    "output_container",
    "validate_parameter_constraints",
    "validate_params",
]

# Parameter handling of a composition of named estimators: ``_get_params`` and
# ``_set_params`` over a list of (name, estimator) pairs, as a Pipeline or a
# FeatureUnion does.
BaseComposition = _BaseComposition

# Decorator of ``fit``: validates the parameters against
# ``_parameter_constraints``, then runs fit in scikit-learn's fit context.
fit_context = _fit_context

# ``input_features`` of ``get_feature_names_out`` checked against the names
# seen in fit, or those names (``x0, x1, ...`` without any).
check_feature_names_in = _check_feature_names_in


def output_container(estimator, method="transform"):
    """The dense container ``set_output`` chose for ``method``'s output.

    Parameters
    ----------
    estimator : estimator instance
        An estimator with the set_output API.
    method : {"transform", "fit_transform"}, default="transform"
        The method whose output is configured.

    Returns
    -------
    container : str
        ``"default"`` (the estimator's own type, a NumPy array), ``"pandas"``
        or ``"polars"``.
    """
    return _get_output_config(method, estimator)["dense"]
