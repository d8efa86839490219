"""Dependencies point one way (pages -> core <- tasks), and no page can be opened without the router."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# core is imported by pages and tasks, never the other way round (docs/architecture.md).
FORBIDDEN_IN_CORE = ("streamlit", "huey", "pages", "tasks")


def imported_modules(source: str, *, package: str = "") -> set[str]:
    """Every module a Python source imports: import statements (also nested and relative ones) and
    importlib.import_module / __import__ calls with a literal name."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the package the file lives in
                base = package.split(".")[: len(package.split(".")) - node.level + 1] if package else []
                found.add(".".join([*base, node.module] if node.module else base))
            elif node.module:
                found.add(node.module)
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__"):
                found.add(node.args[0].value)
    return found


def forbidden_imports(folder: Path, forbidden=FORBIDDEN_IN_CORE) -> dict[str, list[str]]:
    """file (relative to the project) → the forbidden modules it imports."""
    problems = {}
    for path in sorted(folder.rglob("*.py")):
        package = ".".join(path.relative_to(folder.parent).parent.parts)
        bad = sorted(
            m
            for m in imported_modules(path.read_text(encoding="utf-8"), package=package)
            if m.split(".")[0] in forbidden
        )
        if bad:
            problems[str(path.relative_to(folder.parent))] = bad
    return problems


# core/ packages from the bottom up: a package may import the kernel (core/*.py), its own package and the ones
# listed before it, never one after it. The kernel modules themselves may use only the platform.
LAYERS = ("platform", "messaging", "crm", "marketplace", "deals", "reporting", "demo")


def layer_of(module: str) -> int | None:
    """Position of a core module in LAYERS (-1 for the kernel core/*.py), None outside core."""
    parts = module.split(".")
    if parts[0] != "core":
        return None
    if len(parts) > 2 and parts[1] in LAYERS:
        return LAYERS.index(parts[1])
    if len(parts) == 2 and parts[1] in LAYERS:  # "from core import platform"-style package import
        return LAYERS.index(parts[1])
    return -1


def upward_imports(folder: Path) -> dict[str, list[str]]:
    """file → the core modules it imports from a higher layer than its own."""
    problems = {}
    for path in sorted(folder.rglob("*.py")):
        relative = path.relative_to(folder.parent)
        if "migrations" in relative.parts:
            continue
        package = ".".join(relative.parent.parts)
        own = layer_of(".".join(relative.with_suffix("").parts))
        ceiling = LAYERS.index("platform") if own == -1 else own  # the kernel may lean on the platform only
        bad = sorted(
            m
            for m in imported_modules(path.read_text(encoding="utf-8"), package=package)
            if (layer := layer_of(m)) is not None and layer > ceiling
        )
        if bad:
            problems[str(relative)] = bad
    return problems


def loose_page_files(pages: Path) -> list[str]:
    """.py files directly in pages/: Streamlit would serve them by URL without the router (and its login)."""
    return sorted(p.name for p in pages.glob("*.py"))


def test_core_never_imports_streamlit_huey_pages_or_tasks():
    assert (ROOT / "core").is_dir()
    assert forbidden_imports(ROOT / "core") == {}


def test_no_core_package_imports_a_package_above_it_in_the_layering():
    assert upward_imports(ROOT / "core") == {}


def test_every_core_package_has_a_place_in_the_layering():
    packages = {p.name for p in (ROOT / "core").iterdir() if (p / "__init__.py").exists()}
    assert packages == set(LAYERS)


def test_the_layering_check_catches_an_upward_import(tmp_path):
    core = tmp_path / "core"
    for package in ("platform", "marketplace", "reporting"):
        (core / package).mkdir(parents=True)
    (core / "models.py").write_text("from core.platform import timeutil\n")
    (core / "money.py").write_text("from core.marketplace import accounts\n")
    (core / "platform" / "db.py").write_text("from core.reporting import exports\n")
    (core / "marketplace" / "search.py").write_text("from core.platform import db\nfrom core import money\n")
    (core / "reporting" / "stats.py").write_text("def f():\n    from core.marketplace import search\n")
    assert upward_imports(core) == {
        "core/money.py": ["core.marketplace"],
        "core/platform/db.py": ["core.reporting"],
    }


def test_pages_hold_no_python_file_outside_a_role_folder():
    assert (ROOT / "pages").is_dir()
    assert loose_page_files(ROOT / "pages") == []


def test_the_import_check_catches_every_way_of_importing(tmp_path):
    core = tmp_path / "core"
    (core / "sub").mkdir(parents=True)
    (core / "ok.py").write_text("import sqlalchemy\nfrom core import models\nfrom . import money\n")
    (core / "plain.py").write_text("import streamlit as st\n")
    (core / "sub" / "nested.py").write_text("def f():\n    from huey import crontab\n")
    (core / "sub" / "relative.py").write_text("from ...pages.common import session\n")
    (core / "dynamic.py").write_text("import importlib\nimportlib.import_module('pages.admin.users')\n")
    (core / "dunder.py").write_text("__import__('streamlit.runtime')\n")
    assert forbidden_imports(core) == {
        "core/dunder.py": ["streamlit.runtime"],
        "core/dynamic.py": ["pages.admin.users"],
        "core/plain.py": ["streamlit"],
        "core/sub/nested.py": ["huey"],
        "core/sub/relative.py": ["pages.common"],
    }


def test_the_pages_check_catches_a_loose_page(tmp_path):
    (tmp_path / "admin").mkdir()
    (tmp_path / "admin" / "users.py").write_text("")
    (tmp_path / "secret.py").write_text("")
    assert loose_page_files(tmp_path) == ["secret.py"]
