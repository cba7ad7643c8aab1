"""The ledger stands below the features: it announces its entries (club.ledger.signals)
and the leaderboards, tiers or anything else listen; it imports none of them."""

from __future__ import annotations

import ast

from tests.conftest import ROOT

# What the ledger may build on: the core, the members (and their audit log) below it.
BELOW = ("club.core", "club.extensions", "club.members", "club.audit", "club.ledger")


def _imports(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_the_ledger_imports_no_feature_not_even_inside_a_function():
    found = {
        f"{path.name}: {module}"
        for path in sorted((ROOT / "club" / "ledger").glob("*.py"))
        for module in _imports(path)
        if module.split(".")[0] == "club" and not module.startswith(BELOW)
    }
    assert found == set()
