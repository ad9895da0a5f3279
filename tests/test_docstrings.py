"""Every public function and class has a complete numpydoc docstring."""

import importlib
import inspect

import pytest

numpydoc_validate = pytest.importorskip("numpydoc.validate")

PUBLIC_MODULES = [
    "sktransfer",
    "sktransfer.metrics",
    "sktransfer.evaluation",
    "sktransfer.curriculum",
    "sktransfer.datasets",
    "sktransfer.plotting",
    "sktransfer.selection",
]

# Checks left out, as scikit-learn does: an extended summary is not always
# needed, and numpydoc cannot see parameters documented on the class for
# __init__ or the return of __call__ in prose.
IGNORED = {"ES01", "GL08", "SA01", "EX01", "RT02", "PR02", "GL01", "GL02"}


def public_objects():
    seen = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                seen.setdefault(f"{obj.__module__}.{obj.__qualname__}", obj)
    return sorted(seen)


@pytest.mark.parametrize("qualified_name", public_objects())
def test_public_docstring_is_valid_numpydoc(qualified_name):
    result = numpydoc_validate.validate(qualified_name)
    errors = [
        f"{code}: {message}"
        for code, message in result["errors"]
        if code not in IGNORED
    ]
    assert not errors, "\n".join(errors)
    assert "Examples" in inspect.getdoc(_resolve(qualified_name))


def _resolve(qualified_name):
    module_name, _, attribute = qualified_name.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)
