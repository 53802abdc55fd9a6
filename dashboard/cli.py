"""The screens' commands of the `materials` CLI (registered through the entry point group)."""

import os
import sys
from pathlib import Path

import typer

APP = Path(__file__).parent / "app.py"


def register(app: typer.Typer) -> None:
    """Add the screens' commands to `app`."""
    app.command("screens")(screens)


def streamlit_command(*, port: int, host: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.port",
        str(port),
        "--server.address",
        host,
        "--server.headless",
        "true",
        # The screens run for weeks on a wall: no file watching, no telemetry, no developer menu.
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
        "--theme.base",
        "light",
    ]


def screens(
    ctx: typer.Context,
    port: int = typer.Option(8501, "--port", help="TCP port of the screens."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0 for the sorting room LAN)."),
) -> None:
    """Start the Streamlit screens (scan station, picking, crates, queues, manager, planning, data)."""
    from materials.cli.common import state

    url = state(ctx).settings.database_url
    env = {**os.environ, "MATERIALS_DATABASE_URL": url}
    command = streamlit_command(port=port, host=host)
    typer.echo(f"screens on http://{host}:{port} (database {url.split('@')[-1]})")
    sys.stdout.flush()
    # Replace this process, so whoever started `materials screens` can stop Streamlit with one signal.
    os.execve(command[0], command, env)
