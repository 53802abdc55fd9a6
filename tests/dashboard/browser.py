"""Run `materials screens` as a real server and drive Debian's chromium at it (never a downloaded browser)."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MATERIALS = Path(sys.executable).with_name("materials")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def screens_server(url: str, log: Path, *, timeout: float = 60.0) -> Iterator[str]:
    """`materials --db URL screens` on a free loopback port; yields the base URL, stops the server after."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(MATERIALS), "--db", url, "screens", "--port", str(port), "--host", "127.0.0.1"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "MATERIALS_DATABASE_URL": url},
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the screens did not start: {log.read_text(errors='replace')[-2000:]}")
                time.sleep(0.25)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
