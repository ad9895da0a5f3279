"""scikit-learn's private API is reached through sktransfer/_compat.py alone."""

import ast
from pathlib import Path

import pytest
from sklearn.preprocessing import StandardScaler

import sktransfer
from sktransfer._compat import output_container

PACKAGE = Path(sktransfer.__file__).parent


def _is_private(dotted):
    return any(part.startswith("_") for part in dotted.split("."))


def private_sklearn_imports(path):
    """``line: statement`` of each import of a private scikit-learn name in a
    module, at any depth (function-level imports included)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] != "sklearn":
                continue
            names = [alias.name for alias in node.names]
            if _is_private(node.module) or any(n.startswith("_") for n in names):
                found.append(f"{node.lineno}: from {node.module} import {names}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sklearn" and _is_private(alias.name):
                    found.append(f"{node.lineno}: import {alias.name}")
    return found


def test_the_check_sees_private_imports(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        "from sklearn.base import clone, _fit_context\n"
        "import sklearn.utils._param_validation\n"
        "def f():\n"
        "    from sklearn.utils._set_output import _get_output_config\n"
        "from sklearn.utils import check_array\n"
        "from sktransfer._compat import Interval\n"
    )
    assert [line.split(":")[0] for line in private_sklearn_imports(module)] == [
        "1",
        "2",
        "4",
    ]


@pytest.mark.parametrize(
    "path",
    sorted(p for p in PACKAGE.rglob("*.py") if p.name != "_compat.py"),
    ids=lambda p: str(p.relative_to(PACKAGE.parent)),
)
def test_no_module_but_compat_imports_private_sklearn_names(path):
    found = private_sklearn_imports(path)
    assert not found, (
        f"{path.relative_to(PACKAGE.parent)} imports scikit-learn's private API; "
        "import it from sktransfer._compat instead:\n" + "\n".join(found)
    )


def test_output_container_follows_set_output():
    pytest.importorskip("pandas")
    scaler = StandardScaler()
    assert output_container(scaler) == "default"
    assert output_container(scaler.set_output(transform="pandas")) == "pandas"
