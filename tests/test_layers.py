"""The apps depend downward only (conventions: Layout).

accounts and organizations at the bottom; integrations, media and billing above them;
posts above those; the API surfaces, health and the project's wiring on top. A lower app
that must tell a higher one something sends a signal or calls a hook the higher app
registered (organizations.events, billing.limits.register_usage,
media.selectors.register_pending_uses, integrations.services'
register_channel_deleted_handler); it never imports it. Every import is read, including
those inside functions.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FLOORS = {
    "accounts": 0,
    "organizations": 0,
    "integrations": 1,
    "media": 1,
    "billing": 1,
    "posts": 2,
}
# postiz/ holds both the small pieces every app uses (settings, the SSRF guard, time
# zones, the database bootstrap…) and the top floor: the API machinery and surfaces,
# health and the wiring (the fork server of `make run` loads every app).
POSTIZ_TOP = {
    "postiz.api",
    "postiz.public_api",
    "postiz.native_api",
    "postiz.health",
    "postiz.urls",
    "postiz.api_urls",
    "postiz.api_docs",
    "postiz.views",
    "postiz.tasks",
    "postiz.schedules",
    "postiz.admin",
    "postiz.management",
    "postiz.forkserver",
    "postiz.wsgi",
    "postiz.asgi",
    "postiz.mcp_server",
}
TOP = 3


def floor_of(module: str) -> int | None:
    """The floor of one of our modules (None: not ours, or a shared postiz piece)."""
    package = module.split(".", 1)[0]
    if package == "postiz":
        if any(module == top or module.startswith(top + ".") for top in POSTIZ_TOP):
            return TOP
        return None
    return FLOORS.get(package)


def imports_of(path: Path, module: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: within the same package
                continue
            base = node.module or ""
            found.append((node.lineno, base))
            # "from postiz import health" names a module too.
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def sources():
    for package, _ in sorted(FLOORS.items()):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield package, path
    for path in sorted((ROOT / "postiz").rglob("*.py")):
        yield "postiz", path


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def test_no_app_imports_an_app_above_it():
    upward = []
    for _, path in sources():
        source = module_name(path)
        own = floor_of(source)
        if own is None:
            own = 0  # a shared postiz piece may be used by anyone, so it may use no app above
            shared = True
        else:
            shared = False
        for line, target in imports_of(path, source):
            floor = floor_of(target)
            if floor is None or target.split(".", 1)[0] == source.split(".", 1)[0]:
                continue
            if floor > own:
                where = f"{path.relative_to(ROOT)}:{line}"
                kind = "shared piece" if shared else f"floor {own}"
                upward.append(f"{where} ({kind}) imports {target} (floor {floor})")
    assert upward == []


@pytest.mark.parametrize(
    ("module", "floor"),
    [
        ("posts.models", 2),
        ("billing.limits", 1),
        ("organizations.events", 0),
        ("postiz.public_api.views.posts", TOP),
        ("postiz.ssrf", None),
    ],
)
def test_the_floor_map_knows_our_modules(module, floor):
    assert floor_of(module) == floor
