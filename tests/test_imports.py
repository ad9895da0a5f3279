"""The package's imports: no cycles, and no reach into another package's privates.

Every module's imports are read with ``ast``, those inside functions included
(they hide a cycle from the interpreter, not from the reader), relative and
absolute alike.
"""

import ast
from pathlib import Path

import sktransfer

ROOT = Path(sktransfer.__file__).parent


def _modules():
    """``{dotted name: (path, is_package)}`` of every module of sktransfer."""
    modules = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        package = parts[-1] == "__init__"
        if package:
            parts = parts[:-1]
        modules[".".join(parts)] = (path, package)
    return modules


MODULES = _modules()


def _imports(name):
    """``(module, imported name or None, line)`` of each import in ``name``."""
    path, package = MODULES[name]
    here = name if package else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, None, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")[: len(here.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                if f"{module}.{alias.name}" in MODULES:  # a submodule
                    found.append((f"{module}.{alias.name}", None, node.lineno))
                else:
                    found.append((module, alias.name, node.lineno))
    return [f for f in found if f[0].partition(".")[0] == "sktransfer"]


def _known(module):
    """The module of sktransfer that ``module`` names, or its nearest parent."""
    while module not in MODULES:
        module = module.rpartition(".")[0]
    return module


def _graph():
    return {
        name: sorted({_known(m) for m, _, _ in _imports(name)} - {name})
        for name in MODULES
    }


def _find_cycle(graph):
    """One cycle of ``graph`` as a list of modules (first = last), or None."""
    state = {}  # 1: on the current path, 2: finished
    path = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for target in graph[node]:
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def _inside(module, package):
    return module == package or module.startswith(package + ".")


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}
    assert _find_cycle(graph) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": ["b"], "b": [], "c": ["a", "b"]}) is None


def test_every_module_is_read():
    graph = _graph()
    assert "sktransfer._engine._moments" in graph
    assert "sktransfer._engine" in graph["sktransfer.metrics._hscore"]


def test_no_import_cycle():
    cycle = _find_cycle(_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_no_module_reaches_into_another_packages_private_names():
    # A private module (``_x``) is imported only from inside the package that
    # holds it, and a private name only from the importer's own package; the
    # rest of the package imports the names a package's __init__ gives.
    reaches = []
    for name in MODULES:
        for module, imported, line in _imports(name):
            parts = module.split(".")
            for depth in range(1, len(parts)):
                owner = ".".join(parts[:depth])
                private = parts[depth].startswith("_") and not parts[depth].startswith(
                    "__"
                )
                if private and not _inside(name, owner):
                    reaches.append(f"{name}:{line} imports {module}")
            if imported and imported.startswith("_"):
                known = _known(module)
                holder = known if MODULES[known][1] else known.rpartition(".")[0]
                if not _inside(name, holder):
                    reaches.append(f"{name}:{line} imports {imported} of {module}")
    assert not reaches, "\n".join(reaches)
