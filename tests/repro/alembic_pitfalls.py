"""Reproductions behind learnings/alembic.xml (SQLite, no server).

Documentation of how each symptom text was measured; not part of the test run. Each case
builds a throw-away Alembic project in a temporary folder and runs the `alembic` command in
it, so the output is exactly what a user's terminal shows:

    python -m venv /tmp/al && /tmp/al/bin/pip install 'alembic==1.20.1' 'sqlalchemy==2.1.9'
    /tmp/al/bin/python tests/repro/alembic_pitfalls.py CASE

Measured with CPython 3.11.7, Alembic 1.20.1 with SQLAlchemy 2.1.9, and Alembic 1.17.2 with
SQLAlchemy 2.0.59 (same text; the logger of "Detected removed table" is
alembic.autogenerate.compare.tables on 1.20.1, alembic.autogenerate.compare on 1.17.2). Paths,
revision ids and table names are masked with `…` in the stored symptoms. FIXED=1 runs each
entry's fix instead of the mistake.
"""

# ruff: noqa: E501 - the embedded sources of the throw-away projects stay one string per file

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

FIXED = os.environ.get("FIXED") == "1"  # FIXED=1 runs the entry's fix instead of the mistake
ALEMBIC = str(Path(sys.executable).with_name("alembic"))

MODELS = """
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass
"""

ORDER_MODEL = """
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    note: Mapped[str] = mapped_column(String(20))
"""


def project(target_metadata: str, env_imports: str = "") -> Path:
    root = Path(tempfile.mkdtemp())
    os.chdir(root)
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "db.py").write_text(MODELS)
    (root / "app" / "orders.py").write_text(ORDER_MODEL)
    run("init", "migrations")
    ini = (root / "alembic.ini").read_text()
    ini = re.sub(r"sqlalchemy.url = .*", "sqlalchemy.url = sqlite:///app.db", ini)
    (root / "alembic.ini").write_text(ini)
    env = root / "migrations" / "env.py"
    text = env.read_text().replace(
        "target_metadata = None", f"{env_imports}\ntarget_metadata = {target_metadata}"
    )
    env.write_text("import sys; sys.path.insert(0, '.')\n" + text)
    return root


def run(*args: str, show: bool = False) -> str:
    out = subprocess.run([ALEMBIC, *args], capture_output=True, text=True, check=False)
    if show:
        print(f"$ alembic {' '.join(args)}  (exit {out.returncode})")
        print(out.stdout + out.stderr)
    return out.stdout + out.stderr


def no_metadata() -> None:
    """alembic-autogenerate-without-target-metadata"""
    project("None")
    run("revision", "--autogenerate", "-m", "init", show=True)


def models_not_imported() -> None:
    """alembic-autogenerate-models-not-imported"""
    project("Base.metadata", "from app.orders import Base")
    run("revision", "--autogenerate", "-m", "orders")
    run("upgrade", "head")
    env = Path("migrations/env.py")
    # A refactor: env.py now imports Base from app.db, where the models are not imported.
    if not FIXED:
        env.write_text(
            env.read_text().replace("from app.orders import Base", "from app.db import Base")
        )
    run("revision", "--autogenerate", "-m", "nothing changed", show=True)


def multiple_heads() -> None:
    """alembic-multiple-heads"""
    project("Base.metadata", "from app.orders import Base")
    first = run("revision", "-m", "base")
    base = re.search(r"versions/(\w+?)_", first).group(1)  # type: ignore[union-attr]
    run("revision", "-m", "feature a", "--head", base)
    run("revision", "-m", "feature b", "--head", base, "--splice")
    if FIXED:
        run("merge", "-m", "merge feature a and b", "heads")
    run("upgrade", "head", show=True)
    run("heads", show=True)


BATCH = (
    "def upgrade() -> None:\n"
    "    with op.batch_alter_table('orders') as batch:\n"
    "        batch.create_unique_constraint('uq_orders_note', ['note'])\n"
)


def sqlite_alter() -> None:
    """alembic-sqlite-alter-needs-batch"""
    project("Base.metadata", "from app.orders import Base")
    run("revision", "--autogenerate", "-m", "orders")
    run("upgrade", "head")
    out = run("revision", "-m", "fk")
    path = re.search(r"Generating (\S+\.py)", out).group(1)  # type: ignore[union-attr]
    text = (
        Path(path)
        .read_text()
        .replace(
            "def upgrade() -> None:\n",
            BATCH
            if FIXED
            else "def upgrade() -> None:\n    op.create_unique_constraint('uq_orders_note', 'orders', ['note'])\n",
        )
    )
    Path(path).write_text(text)
    run("upgrade", "head", show=True)


def missing_revision() -> None:
    """alembic-cant-locate-revision"""
    project("Base.metadata", "from app.orders import Base")
    out = run("revision", "--autogenerate", "-m", "orders")
    run("upgrade", "head")
    path = re.search(r"Generating (\S+\.py)", out).group(1)  # type: ignore[union-attr]
    Path(path).unlink()  # the migration exists on another branch only
    if FIXED:
        run("stamp", "--purge", "base", show=True)  # the schema is rewritten by hand here
    run("upgrade", "head", show=True)


CASES = {
    f.__name__: f
    for f in (no_metadata, models_not_imported, multiple_heads, sqlite_alter, missing_revision)
}

if __name__ == "__main__":
    CASES[sys.argv[1]]()
