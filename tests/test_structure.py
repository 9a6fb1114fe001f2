"""The architecture as tests: data flows one way (vntext ← crawler → db ← monitor), and no module
or function grows past the size where it starts mixing concerns."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("vntext", "crawler", "db", "monitor")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
# What each package may import of ours (besides itself).
ALLOWED = {
    "vntext": set(),
    "db": {"vntext"},
    "crawler": {"vntext", "db"},
    "monitor": {"vntext", "db", "crawler"},
}


def _modules(package: str, *, sized: bool = False):
    for path in sorted((ROOT / package).rglob("*.py")):
        if sized and "migrations" in path.parts:
            continue  # a migration is frozen history: it holds the DDL it executed, however long
        yield path


def _imports(path: Path) -> set[str]:
    """Top-level package names of everything a module imports, at any depth (function-local too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_flow_one_way(package):
    wrong = []
    for path in _modules(package):
        for name in _imports(path) & set(PACKAGES):
            if name != package and name not in ALLOWED[package]:
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_the_checker_sees_function_local_imports(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from crawler.profiles import PROFILES\n    import monitor.cli\n")
    assert _imports(module) == {"crawler", "monitor"}


@pytest.mark.parametrize("package", PACKAGES)
def test_modules_and_functions_stay_small(package):
    too_big = []
    for path in _modules(package, sized=True):
        source = path.read_text(encoding="utf-8")
        lines = len(source.splitlines())
        if lines > MAX_MODULE_LINES:
            too_big.append(f"{path.relative_to(ROOT)}: {lines} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_big.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}(): {length} lines")
    assert not too_big, "\n".join(too_big)
