"""`materials sip2 account add` and `materials sip2 serve` (a real process, stopped by SIGTERM)."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from materials.cli import app
from materials.sip2.codec import format_frame, parse_frame

runner = CliRunner()


def prepared_database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'sip2.db'}"
    assert runner.invoke(app, ["--db", url, "init"]).exit_code == 0
    from sqlmodel import Session

    from materials.db import get_engine
    from tests.factories import make_branch, make_station

    engine = get_engine(url)
    with Session(engine) as session:
        make_station(session, make_branch(session, "Hovedbiblioteket", isil="DK-710100"), "automat-710100")
    engine.dispose()
    return url


def test_account_add_stores_a_hashed_password_for_an_existing_station(tmp_path: Path) -> None:
    url = prepared_database(tmp_path)
    args = ["--db", url, "sip2", "account", "add", "automat-1", "--password", "pw-1", "--location", "automat-710100"]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    assert '"location": "automat-710100"' in result.stdout
    again = runner.invoke(app, args)
    assert again.exit_code == 1 and "exists already" in again.output


def test_account_add_for_an_unknown_station_names_it_and_fails(tmp_path: Path) -> None:
    url = prepared_database(tmp_path)
    args = ["--db", url, "sip2", "account", "add", "x", "--password", "pw", "--location", "nowhere-7"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and "nowhere-7" in result.output


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_serve_answers_a_login_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    url = prepared_database(tmp_path)
    add = ["--db", url, "sip2", "account", "add", "automat-1", "--password", "pw-1", "--location", "automat-710100"]
    assert runner.invoke(app, add).exit_code == 0
    port = free_port()
    entry = "from materials.cli import main; main()"
    command = [sys.executable, "-c", entry, "--db", url, "sip2", "serve", "--port", str(port)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, (
                    process.stderr.read() if process.stderr else ""
                )
                time.sleep(0.2)
        with sock:
            sock.sendall(format_frame("93", "00", [("CN", "automat-1"), ("CO", "pw-1")], sequence="0"))
            assert parse_frame(sock.recv(1024)).fixed == "1"
            process.send_signal(signal.SIGTERM)
            _out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert b"logged in at station automat-710100" in err and b"SIP2 server stopped" in err
