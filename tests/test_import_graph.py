"""No import cycles: the modules of preannotate_lab must form a directed acyclic graph.

The graph is read from the source with ``ast`` (nothing is imported). Every ``import`` counts,
also one inside a function: an import moved into a function to dodge a cycle still is one.
Imports under ``if TYPE_CHECKING:`` do not count: they never run.

Edges: ``import a.b`` and ``from a.b import name`` go to module ``a.b`` (its ``__init__`` when it
is a package), or to ``a.b.name`` when ``name`` is a submodule. Relative imports are resolved
against the importing module's package. Imports of modules outside the scanned tree are ignored.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "preannotate_lab"


def dotted_name(root: Path) -> str:
    """The dotted name of package directory ``root``, found from the ``__init__.py`` above it."""
    parts = [root.name]
    parent = root.parent
    while (parent / "__init__.py").exists():
        parts.insert(0, parent.name)
        parent = parent.parent
    return ".".join(parts)


def module_files(root: Path) -> dict[str, Path]:
    """Every module under package directory ``root``: dotted name -> file."""
    base = dotted_name(root)
    modules: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join([base, *parts])] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth, except those under ``if TYPE_CHECKING:``."""
    found: list[ast.Import | ast.ImportFrom] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)  # the else branch runs
            continue
        stack.extend(ast.iter_child_nodes(node))
    return found


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool,
             known: set[str]) -> set[str]:
    """The modules of the scanned tree that one import statement loads."""
    if isinstance(node, ast.Import):
        return {_deepest_known(alias.name, known) for alias in node.names} - {""}
    if node.level:
        package = module if is_package else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = ".".join(p for p in (package, node.module) if p)
    else:
        base = node.module or ""
    out = set()
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        out.add(sub if sub in known else _deepest_known(base, known))
    return out - {""}


def _deepest_known(name: str, known: set[str]) -> str:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the modules it imports, for every module under package directory ``root``."""
    files = module_files(root)
    known = set(files)
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text("utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        edges: set[str] = set()
        for node in _runtime_imports(tree):
            edges |= _targets(node, module, is_package, known)
        graph[module] = edges - {module}
    return graph


def find_cycles(root: Path, only: str | None = None) -> list[list[str]]:
    """One import cycle per tangle of modules under ``root``, as ``[a, b, ..., a]``.

    A tangle is a strongly connected component: a set of modules each reaching every other.
    ``only`` (a dotted prefix such as ``"preannotate_lab.labeling"``) keeps the cycles that pass
    through a module inside it.
    """
    graph = import_graph(root)
    cycles = [_cycle_in(graph, component) for component in _components(graph)
              if len(component) > 1]
    if only is not None:
        cycles = [c for c in cycles if any(m == only or m.startswith(only + ".") for m in c)]
    return cycles


def _components(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[set[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    components.append(component)
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return components


def _cycle_in(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest cycle through the first module of ``component`` (breadth-first)."""
    start = min(component)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & component):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if child not in came_from:
                    came_from[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"no cycle in component {sorted(component)}")  # Tarjan said there is one


def describe(cycles: list[list[str]]) -> str:
    return "\n".join(" -> ".join(cycle) for cycle in cycles)


def test_labeling_has_no_import_cycle() -> None:
    cycles = find_cycles(PACKAGE, only="preannotate_lab.labeling")
    assert not cycles, f"import cycles through preannotate_lab.labeling:\n{describe(cycles)}"


def test_package_has_no_import_cycle() -> None:
    cycles = find_cycles(PACKAGE)
    assert not cycles, f"import cycles in preannotate_lab:\n{describe(cycles)}"


def test_labeling_is_imported_by_other_packages_through_its_public_names() -> None:
    graph = import_graph(PACKAGE)
    inside = "preannotate_lab.labeling"
    reaching_in = sorted(
        f"{module} -> {target}" for module, targets in graph.items() for target in targets
        if target.startswith(inside + ".") and not module.startswith(inside)
    )
    assert not reaching_in, "import from preannotate_lab.labeling, not its modules:\n" + "\n".join(reaching_in)


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")


def test_the_checker_finds_a_cycle_and_reads_it_as_a_chain(tmp_path: Path) -> None:
    _write(tmp_path / "pkg", {
        "__init__.py": "from .a import A\n",
        "a.py": "from .b import B\nA = 1\n",
        "b.py": "def late():\n    from .c import C\n    return C\nB = 2\n",  # inside a function: counts
        "c.py": "from . import a\nC = 3\n",  # `from . import a`: the submodule a
        "d.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .e import E\nD = 4\n",
        "e.py": "from pkg.d import D\nE = 5\n",  # d -> e only for the type checker: no cycle
    })
    assert find_cycles(tmp_path / "pkg") == [["pkg.a", "pkg.b", "pkg.c", "pkg.a"]]
    assert describe(find_cycles(tmp_path / "pkg")) == "pkg.a -> pkg.b -> pkg.c -> pkg.a"
    assert find_cycles(tmp_path / "pkg", only="pkg.d") == []


def test_importing_a_name_of_the_package_from_a_submodule_is_a_cycle_with_its_init(tmp_path: Path) -> None:
    _write(tmp_path / "pkg", {
        "__init__.py": "from .sub import thing\nVALUE = 1\n",
        "sub/__init__.py": "",
        "sub/thing.py": "from .. import VALUE\n",  # pkg/__init__ -> pkg.sub.thing -> pkg/__init__
        "other.py": "import pkg.sub.thing\n",
    })
    graph = import_graph(tmp_path / "pkg")
    assert graph["pkg"] == {"pkg.sub.thing"} and graph["pkg.other"] == {"pkg.sub.thing"}
    assert find_cycles(tmp_path / "pkg") == [["pkg", "pkg.sub.thing", "pkg"]]
