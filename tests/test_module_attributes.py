"""Every name our code takes from one of our own modules exists there.

Splitting a module (posts.services into groups, validation and queue; the native API's
views into one module per resource) leaves behind callers that still say
``group_services.Issue`` or import a name from where it used to live. Python only notices
when that line runs, which for a view's rare branch or an import inside a function can be
in production. This test reads every first-party source file, finds each
``module.attribute`` use of a module bound by an import, and each ``from module import
name`` (at any depth, including imports inside functions), and checks that the name is
really there.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("postiz", "accounts", "organizations", "integrations", "posts", "media", "billing")
SOURCES = ("tests", "bench", *PACKAGES)


def _ours(module: str) -> bool:
    return module.split(".", 1)[0] in PACKAGES


def _files(sources=SOURCES) -> list[Path]:
    found = []
    for top in sources:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" not in path.parts:
                found.append(path)
    return found


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(node: ast.ImportFrom, current: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = current.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


class _Uses(ast.NodeVisitor):
    """Collects (line, module, attribute) for ``alias.attribute`` and ``from m import a``."""

    def __init__(self, current: str, is_package: bool):
        self.current, self.is_package = current, is_package
        self.scopes: list[dict[str, str | None]] = [{}]
        self.uses: list[tuple[int, str, str]] = []

    # -- bindings ---------------------------------------------------------------------
    def _bind(self, name: str, module: str | None) -> None:
        self.scopes[-1][name] = module

    def _lookup(self, name: str) -> str | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self._bind(alias.asname, alias.name if _ours(alias.name) else None)
            else:
                top = alias.name.split(".", 1)[0]
                self._bind(top, top if _ours(top) else None)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = _absolute(node, self.current, self.is_package)
        if not _ours(module):
            for alias in node.names:
                self._bind(alias.asname or alias.name, None)
            return
        for alias in node.names:
            if alias.name == "*":
                continue
            submodule = f"{module}.{alias.name}"
            if _is_module(submodule):
                self._bind(alias.asname or alias.name, submodule)
            else:
                self.uses.append((node.lineno, module, alias.name))
                self._bind(alias.asname or alias.name, None)

    def _shadow(self, target: ast.AST) -> None:
        for node in ast.walk(target):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                self._bind(node.id, None)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.generic_visit(node)
        for target in node.targets:
            self._shadow(target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.generic_visit(node)
        self._shadow(node.target)

    def visit_For(self, node: ast.For) -> None:
        self._shadow(node.target)
        self.generic_visit(node)

    def _function(self, node) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.scopes.append({})
        args = node.args
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if arg is not None:
                self._bind(arg.arg, None)
        # Names assigned anywhere in the function are local to all of it.
        for inner in ast.walk(node):
            if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Store):
                self._bind(inner.id, None)
        for statement in node.body:
            self.visit(statement)
        self.scopes.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    # -- uses -------------------------------------------------------------------------
    def visit_Attribute(self, node: ast.Attribute) -> None:
        chain = []
        value: ast.AST = node
        while isinstance(value, ast.Attribute):
            chain.append(value.attr)
            value = value.value
        if isinstance(value, ast.Name) and (module := self._lookup(value.id)):
            # a.b.c: walk down while the names are modules; the first that is not must be
            # an attribute of the last module.
            for attr in reversed(chain):
                if _is_module(f"{module}.{attr}"):
                    module = f"{module}.{attr}"
                    continue
                self.uses.append((node.lineno, module, attr))
                break
            return
        self.generic_visit(node)


def _uses():
    for path in _files():
        tree = ast.parse(path.read_text(), filename=str(path))
        visitor = _Uses(_module_name(path), path.name == "__init__.py")
        visitor.visit(tree)
        for line, module, attr in visitor.uses:
            yield f"{path.relative_to(ROOT)}:{line}", module, attr


def test_every_name_taken_from_one_of_our_modules_exists_there():
    missing = []
    for where, module, attr in _uses():
        try:
            loaded = importlib.import_module(module)
        except ImportError as error:
            missing.append(f"{where}: cannot import {module} ({error})")
            continue
        if not hasattr(loaded, attr) and not _is_module(f"{module}.{attr}"):
            missing.append(f"{where}: {module} has no {attr}")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize(
    "source",
    [
        "from posts.services import groups\ngroups.Issue\n",
        "import posts.services.groups as g\ndef f():\n    return g.Issue\n",
        "def f():\n    from posts.services.groups import Issue\n",
    ],
)
def test_the_check_finds_a_name_that_moved(source):
    visitor = _Uses("tests.example", False)
    visitor.visit(ast.parse(source))
    assert ("posts.services.groups", "Issue") in [(m, a) for _, m, a in visitor.uses]
    assert not hasattr(importlib.import_module("posts.services.groups"), "Issue")


def _dotted_strings():
    """Dotted paths written as strings in the product (settings, task and hook names);
    tests name missing ones on purpose (a retired job)."""
    for path in _files(PACKAGES):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            parts = node.value.split(".")
            # Two dots at least: "posts.publish" is a permission, not a path.
            if len(parts) >= 3 and _ours(node.value) and all(p.isidentifier() for p in parts):
                yield f"{path.relative_to(ROOT)}:{node.lineno}", node.value


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module = ".".join(parts[:cut])
        if not _is_module(module):
            continue
        value = importlib.import_module(module)
        for attr in parts[cut:]:
            if not hasattr(value, attr):
                return False
            value = getattr(value, attr)
        return True
    return False


def test_every_dotted_path_written_as_a_string_leads_somewhere():
    missing = [f"{where}: {dotted}" for where, dotted in _dotted_strings() if not _resolves(dotted)]
    assert not missing, "\n".join(missing)
