"""Real databases for every test: a fresh SQLite file per test, and the same service tests on PostgreSQL.

PostgreSQL comes from MATERIALS_TEST_POSTGRES_URL (`.ci/run` starts a server and sets it). Without it the
PostgreSQL variants skip, unless MATERIALS_REQUIRE_POSTGRES=1, when they fail instead.
"""

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url, text
from sqlmodel import Session

from materials.db import get_engine, migrate

DATABASES = ["sqlite", "postgresql"]


def postgres_url() -> str | None:
    return os.environ.get("MATERIALS_TEST_POSTGRES_URL")


def _require_postgres() -> None:
    message = "PostgreSQL tests need MATERIALS_TEST_POSTGRES_URL (see .ci/run)"
    if os.environ.get("MATERIALS_REQUIRE_POSTGRES") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = get_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated template database; each test copies it with CREATE DATABASE ... TEMPLATE."""
    url = postgres_url()
    if not url:
        _require_postgres()
        raise AssertionError("unreachable")
    admin = get_engine(url, isolation_level="AUTOCOMMIT")
    name = f"materials_tmpl_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    template_url = make_url(admin.url).set(database=name).render_as_string(hide_password=False)
    engine = get_engine(template_url)
    migrate(engine)
    engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def fresh_sqlite(template: Path, directory: Path) -> Engine:
    path = directory / "materials.db"
    shutil.copy(template, path)
    return get_engine(f"sqlite:///{path}")


@pytest.fixture
def sqlite_engine(sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    engine = fresh_sqlite(sqlite_template, tmp_path)
    yield engine
    engine.dispose()


@contextmanager
def scratch_postgres(prefix: str, template: str | None = None) -> Iterator[Engine]:
    """A new PostgreSQL database for one test (a copy of `template` when given), dropped afterwards."""
    url = postgres_url()
    if not url:
        _require_postgres()
    assert url is not None
    admin = get_engine(url, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    engine = get_engine(make_url(admin.url).set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    template = request.getfixturevalue("postgres_template")
    with scratch_postgres("materials_test", template) as engine:
        yield engine


@pytest.fixture(params=DATABASES)
def engine(request: pytest.FixtureRequest) -> Engine:
    """The same test on SQLite and on PostgreSQL."""
    fixture = "sqlite_engine" if request.param == "sqlite" else "postgres_engine"
    engine: Engine = request.getfixturevalue(fixture)
    return engine


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def empty_postgres_engine() -> Iterator[Engine]:
    with scratch_postgres("materials_empty") as engine:
        yield engine


@pytest.fixture(params=DATABASES)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database with no schema at all, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        engine = get_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        yield engine
        engine.dispose()
    else:
        yield request.getfixturevalue("empty_postgres_engine")
