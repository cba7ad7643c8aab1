"""The shape of club/'s imports, read with `ast` (nothing of club is imported here).

Dependencies point one way: features -> ledger -> members -> core. So no two packages of
club/ import each other, directly or round a longer cycle; and no module imports a club
module inside a function, the usual way to hide such a cycle.

The application layer sits above every domain and wires them together: the app factory
(club/__init__.py), the commands (cli.py), the jobs and their scheduler, the request
wiring (web.py), the models registry (models.py) and the demo (demo*.py). It may import
anything, and lazily: importing inside a command keeps `flask` start-up fast. No domain
imports it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CLUB = Path(__file__).resolve().parent.parent / "club"
APPLICATION_LAYER = {"club", "club.cli", "club.jobs", "club.scheduler", "club.web", "club.models"}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. club.ledger.services
    target: str  # the club module (or package) it imports
    line: int
    in_function: bool

    @property
    def where(self) -> str:
        return f"{self.module}:{self.line}"


def unit(module: str) -> str:
    """What the rules are about: a package of club/ (club.members), or a top-level module
    (club.extensions, club.cli)."""
    return ".".join(module.split(".")[:2])


def is_application(module: str) -> bool:
    name = unit(module)
    return name in APPLICATION_LAYER or name.startswith("club.demo")


def club_modules() -> dict[str, Path]:
    modules = {}
    for path in CLUB.rglob("*.py"):
        parts = path.relative_to(CLUB.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[Import] = []

    def targets(node: ast.Import | ast.ImportFrom) -> list[str]:
        """The club modules a statement imports, each once."""
        if isinstance(node, ast.Import):
            return [alias.name for alias in node.names]
        base = node.module or ""
        if node.level:  # relative: from . import x, from ..core import y
            parts = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*parts, *([node.module] if node.module else [])])
        # `from club.members import services` imports a module; `from club import
        # __doc__` a name of the package.
        return sorted(
            {
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            }
        )

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                found.extend(
                    Import(module, target, child.lineno, in_function)
                    for target in targets(child)
                    if target == "club" or target.startswith("club.")
                )
            else:
                nested = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
                visit(child, in_function or nested)

    visit(ast.parse(path.read_text(encoding="utf-8")), in_function=False)
    return found


@cache  # the code does not change during a run; each test asks for the same graph
def all_imports() -> list[Import]:
    modules = club_modules()
    return [found for name, path in modules.items() for found in imports_of(name, path, modules)]


def domain_imports() -> list[Import]:
    return [found for found in all_imports() if not is_application(found.module)]


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The groups of units that reach each other through their imports."""

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for following in edges.get(todo.pop(), ()):
                if following not in seen:
                    seen.add(following)
                    todo.append(following)
        return seen

    reachable = {name: reach(name) for name in edges}
    groups = {
        tuple(sorted({name} | {other for other in found if name in reachable.get(other, ())}))
        for name, found in reachable.items()
        if name in found
    }
    return sorted(list(group) for group in groups)


def test_the_graph_is_read():
    edges = {(unit(found.module), unit(found.target)) for found in domain_imports()}
    assert ("club.ledger", "club.members") in edges and ("club.members", "club.core") in edges
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_packages_import_each_other():
    found = [item for item in domain_imports() if unit(item.module) != unit(item.target)]
    edges: dict[str, set[str]] = {}
    for item in found:
        edges.setdefault(unit(item.module), set()).add(unit(item.target))
    problems = []
    for group in cycles(edges):
        problems.append(" <-> ".join(group) + ":")
        problems += [
            f"  {item.where} imports {item.target}"
            for item in found
            if unit(item.module) in group and unit(item.target) in group
        ]
    assert not problems, "packages that import each other:\n" + "\n".join(problems)


def test_domains_do_not_import_the_application_layer():
    problems = [
        f"{item.where} imports {item.target}"
        for item in domain_imports()
        if is_application(item.target)
    ]
    assert not problems, "domains importing the application layer:\n" + "\n".join(problems)


def test_no_club_imports_inside_functions():
    problems = [
        f"{item.where} imports {item.target} inside a function"
        for item in domain_imports()
        if item.in_function
    ]
    assert not problems, "imports inside functions:\n" + "\n".join(problems)
