"""Regenerate the initial migration (0001) from the models.

Used only before the first release, while the schema is still being laid down: edit the models in
materials/models/, then run `.venv/bin/python scripts/regen_migration.py`. After a release, add new revisions.
"""

import tempfile
from pathlib import Path

from alembic import command

from materials.db import MIGRATIONS_DIR, alembic_config, get_engine

target = MIGRATIONS_DIR / "versions" / "0001_initial_schema.py"


def main() -> None:
    versions = MIGRATIONS_DIR / "versions"
    # Later revisions build on 0001: set them aside while 0001 is generated against an empty database.
    kept = {path: path.read_text() for path in versions.glob("*.py")}
    for path in kept:
        path.unlink()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            engine = get_engine(f"sqlite:///{Path(tmp) / 'autogen.db'}")
            command.revision(alembic_config(engine), message="initial schema", autogenerate=True, rev_id="0001")
    except Exception:
        target.write_text(kept[target])
        raise
    finally:
        for path, text in kept.items():
            if path != target:
                path.write_text(text)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
