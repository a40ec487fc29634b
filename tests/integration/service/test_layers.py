"""The shape the code promises (issue 14 items 1, 2, 8): sessions only in the unit of
work, adapters that never touch the database, no error that is a builtin, every runtime
import declared, migrations that build exactly the tables the models describe."""

from __future__ import annotations

import ast
import builtins
import importlib
import importlib.metadata
import pkgutil
import re
import sys
import tomllib
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import lottery_service
from lottery_service.errors import ConflictError, SunshineError
from lottery_service.storage.models import EventTable, TokenTable
from tests.paths import ROOT
from tests.support import make_runtime

PACKAGE = ROOT / "lottery_service"
UNIT_OF_WORK = PACKAGE / "service" / "unit_of_work.py"
ADAPTERS = [PACKAGE / "cli.py", PACKAGE / "devices.py", *sorted((PACKAGE / "api").rglob("*.py")),
            *sorted((PACKAGE / "demo").rglob("*.py"))]


def _sources(root: Path) -> list[Path]:
    return [p for p in sorted(root.rglob("*.py")) if "migrations" not in p.parts]


def _calls(tree: ast.AST) -> list[str]:
    """Names of what is called: `Session(…)` → "Session", `x.exec(q)` → ".exec", and
    argument-less `x.commit()` → ".commit()" (a participant's commit takes arguments)."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                names.append(node.func.id)
            elif isinstance(node.func, ast.Attribute):
                bare = not node.args and not node.keywords
                names.append(f".{node.func.attr}" + ("()" if bare else ""))
    return names


def _imports(tree: ast.AST) -> set[str]:
    """Absolute module names imported anywhere in a module (function bodies too), except
    under `if TYPE_CHECKING:` (type stubs are not needed at run time)."""
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
                   for stmt in block.body for n in ast.walk(stmt)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def _relative_targets(path: Path, tree: ast.AST) -> set[str]:
    """`from ..storage import x` in lottery_service/api/… → "lottery_service.storage"."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - node.level + 1]
            found.add(".".join([*base, *([node.module] if node.module else [])]))
    return found


def test_sessions_are_opened_and_committed_only_in_the_unit_of_work() -> None:
    offenders = []
    for path in _sources(PACKAGE):
        calls = _calls(ast.parse(path.read_text(encoding="utf-8")))
        if path != UNIT_OF_WORK and ({"Session", ".commit()", ".rollback()"} & set(calls)):
            offenders.append(path.relative_to(ROOT))
    assert offenders == []
    assert {"Session", ".commit()"} <= set(_calls(ast.parse(UNIT_OF_WORK.read_text())))


def test_routes_cli_and_demo_never_touch_the_database() -> None:
    """They parse, call one service function and render: no session, no table, no query."""
    for path in ADAPTERS:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        touched = {m for m in _imports(tree) | _relative_targets(path, tree)
                   if m.split(".")[0] in ("sqlmodel", "sqlalchemy")
                   or m.startswith(("lottery_service.storage", "lottery_service.auditlog"))}
        assert touched == set(), (path.relative_to(ROOT), touched)
        assert not {"select", ".exec", ".execute", "Session"} & set(_calls(tree)), path


def _all_error_classes() -> list[type[BaseException]]:
    for module in pkgutil.walk_packages(lottery_service.__path__, "lottery_service."):
        if ".migrations" not in module.name and not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    seen: list[type[BaseException]] = []
    todo: list[type[BaseException]] = [SunshineError]
    while todo:
        cls = todo.pop()
        seen.append(cls)
        todo.extend(cls.__subclasses__())
    return seen


def test_no_user_facing_error_is_a_builtin() -> None:
    """A ValueError from a bug must never pass for a user's mistake (issue 14 item 1)."""
    builtin = {cls for cls in vars(builtins).values() if isinstance(cls, type)}
    allowed = {Exception, BaseException, object}
    for cls in _all_error_classes():
        bad = [base for base in cls.__mro__ if base in builtin and base not in allowed]
        assert bad == [], (cls, bad)
        assert cls.title_zh and re.search(r"[\u4e00-\u9fff]", cls.title_zh), cls  # type: ignore[attr-defined]


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!\[ ;]", d, maxsplit=1)[0].lower().replace("_", "-")
            for d in requirements}


_PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
# Modules that only an optional extra needs; nothing else may import its packages.
OPTIONAL = {"lottery_service/publish/s3.py": "publish-s3", "verifier/_beacon_pairing.py": "beacon"}


def _declared(path: Path) -> set[str]:
    declared = _names(_PROJECT["dependencies"])
    extra = OPTIONAL.get(path.relative_to(ROOT).as_posix())
    if extra is not None:
        declared |= _names(_PROJECT["optional-dependencies"][extra])
    return declared


@pytest.mark.parametrize("package", ["lottery_service", "verifier"])
def test_every_runtime_import_is_a_declared_dependency(package: str) -> None:
    """A production install (no dev extras) has everything the code imports (httpx was
    listed only under dev)."""
    distributions = importlib.metadata.packages_distributions()
    core: set[str] = set()
    for path in _sources(ROOT / package):
        imported = {m.split(".")[0] for m in _imports(ast.parse(path.read_text("utf-8")))}
        third_party = {m for m in imported
                       if m not in sys.stdlib_module_names and m not in ("lottery_service",
                                                                         "verifier")}
        needed = {d.lower().replace("_", "-") for m in third_party for d in distributions[m]}
        assert needed - _declared(path) == set(), path
        if path.relative_to(ROOT).as_posix() not in OPTIONAL:
            core |= needed
    if package == "verifier":  # the auditors' verifier: stdlib + two packages, nothing else
        assert core == {"cryptography", "rfc8785"}


def test_migrations_build_exactly_the_tables_of_the_models(tmp_path: Path) -> None:
    rt = make_runtime(tmp_path)
    try:
        with rt.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
        assert diff == []
    finally:
        rt.close()


def test_a_constraint_the_checks_missed_is_a_conflict_not_a_database_error(
        tmp_path: Path, backend: str) -> None:
    """The unit of work's last line: an IntegrityError becomes a ConflictError (409)."""
    rt = make_runtime(tmp_path, backend)
    try:
        with rt.service.db.write() as session:
            session.add(EventTable(id="e-2026", origin="sunshine-draw/e-2026"))
            session.flush()
            session.add(TokenTable(token_hash="h", event_id="e-2026", role="admin"))
        with pytest.raises(ConflictError) as caught, rt.service.db.write() as session:
            session.add(TokenTable(token_hash="h", event_id="e-2026", role="school"))
        assert "冲突" in caught.value.zh
    finally:
        rt.close()


def test_closed_set_columns_refuse_a_free_string(tmp_path: Path) -> None:
    """Typed storage: a gender, basis, kind, role … outside its set never reaches a row."""
    from sqlalchemy.exc import StatementError

    rt = make_runtime(tmp_path)
    try:
        with pytest.raises(StatementError, match="'janitor' is not one of admin"), \
                rt.service.db.write() as session:
            session.add(EventTable(id="e-2026", origin="sunshine-draw/e-2026"))
            session.flush()
            session.add(TokenTable(token_hash="h", event_id="e-2026",
                                   role="janitor"))  # type: ignore[arg-type]
        with rt.service.db.read() as session:
            assert session.get(EventTable, "e-2026") is None  # the whole unit rolled back
    finally:
        rt.close()
