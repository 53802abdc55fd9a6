"""Reading the live SQLite database for the pipelines must not disturb the process's own connections."""

from sqlalchemy import Engine, text
from sqlmodel import Session

from logistics.sources import TITLE_COLUMNS, read_table
from tests.factories import make_title


def test_reading_a_live_sqlite_database_keeps_this_processs_connections_and_committed_rows(
    sqlite_engine: Engine,
) -> None:
    with Session(sqlite_engine) as session:
        make_title(session, "Før læsningen")
    url = sqlite_engine.url.render_as_string(hide_password=False)
    # This process holds the database open (WAL mode) while the pipeline reads it.
    with sqlite_engine.execution_options(readonly=True).connect() as held:
        held.execute(text("SELECT count(*) FROM title")).one()
        held.commit()
        titles = read_table(url, "title", TITLE_COLUMNS).collect()
        assert titles["title"].to_list() == ["Før læsningen"]
        with Session(sqlite_engine) as session:
            make_title(session, "Efter læsningen")
        assert held.execute(text("SELECT count(*) FROM title")).scalar_one() == 2
    assert read_table(url, "title", TITLE_COLUMNS).collect().height == 2
