"""The screens' commands of the `materials` CLI (registered through the entry point group)."""

import typer


def register(app: typer.Typer) -> None:
    """Add the screens' commands to `app`."""
