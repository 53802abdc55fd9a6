"""The asyncio server: one task per connection, database work in a small thread pool, clean stop on a signal.

A connection that sends a frame longer than the limit, stops in the middle of a frame, or stays silent past the
idle timeout is closed with a log line; nothing one connection does reaches another.
"""

import asyncio
import functools
import logging
import signal
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from typing import Any

from sqlalchemy import Engine

from materials.clock import Clock, SystemClock
from materials.db import is_sqlite
from materials.sip2.backend import VerifiedLogins, WorkerSessions
from materials.sip2.codec import MAX_FRAME_BYTES
from materials.sip2.connection import Connection

log = logging.getLogger("materials.sip2")

DEFAULT_IDLE_TIMEOUT = 300.0
DEFAULT_WORKERS = 8
SQLITE_READERS = 2


class Sip2Server:
    def __init__(
        self,
        engine: Engine,
        *,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        workers: int = DEFAULT_WORKERS,
        clock: Clock | None = None,
    ) -> None:
        self.engine = engine
        self.idle_timeout = idle_timeout
        self.clock = clock or SystemClock()
        # SQLite reads run in this process and mostly hold the GIL: more threads than two only fight over it (with
        # 8 clients asking for item information, 8 readers gave 256/s and p99 131 ms, 2 readers 554/s and 31 ms).
        # PostgreSQL threads mostly wait on the network and may be many.
        readers = min(workers, SQLITE_READERS) if is_sqlite(engine) else workers
        self._readers = ThreadPoolExecutor(max_workers=readers, thread_name_prefix="sip2-read")
        # SQLite has one writer at a time: check-ins queue here in arrival order instead of in SQLite's busy
        # handler, which sleeps and would make the slowest answers much slower.
        writers = 1 if is_sqlite(engine) else workers
        self._writers = ThreadPoolExecutor(max_workers=writers, thread_name_prefix="sip2-write")
        self._sessions = WorkerSessions(engine)
        self._server: asyncio.Server | None = None
        self._clients: dict[asyncio.Task[None], Connection] = {}
        self._stopping = False
        self._verified = VerifiedLogins()

    async def start(self, host: str = "127.0.0.1", port: int = 6001) -> int:
        """Listen; returns the bound port (useful with port 0)."""
        # The reader's limit makes an endless frame fail fast instead of growing a buffer.
        self._server = await asyncio.start_server(self._serve_client, host, port, limit=MAX_FRAME_BYTES + 2)
        bound: int = self._server.sockets[0].getsockname()[1]
        log.info("SIP2 server listening on %s:%d", host, bound)
        return bound

    async def stop(self, grace: float = 5.0) -> None:
        """Stop accepting, let frames in progress finish (up to `grace` seconds), then close every connection."""
        self._stopping = True
        if self._server is not None:
            self._server.close()
        # A connection waiting for its next frame goes now; one whose frame is being handled answers first.
        for task, connection in list(self._clients.items()):
            if not connection.busy:
                task.cancel()
        tasks = list(self._clients)
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
        self._readers.shutdown(wait=True)
        self._writers.shutdown(wait=True)
        self._sessions.close_all()
        log.info("SIP2 server stopped")

    async def _run_read(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, functools.partial(fn, *args, **kwargs))

    async def _run_write(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writers, functools.partial(fn, *args, **kwargs))

    async def _serve_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        host, port = writer.get_extra_info("peername")[:2]
        peer = f"{host}:{port}"
        connection = Connection(
            engine=self.engine,
            sessions=self._sessions,
            run_read=self._run_read,
            run_write=self._run_write,
            clock=self.clock,
            peer=peer,
            verified=self._verified,
        )
        self._clients[task] = connection
        log.info("%s: connected", peer)
        try:
            await self._converse(connection, reader, writer)
        except (ConnectionError, OSError) as exc:
            log.info("%s: connection lost: %s", peer, exc)
        except asyncio.CancelledError:
            log.info("%s: closed by server stop", peer)
        except Exception:
            log.exception("%s: unexpected error; closing this connection only", peer)
        finally:
            del self._clients[task]
            writer.close()
            # A stop cancels this task while it waits here: the connection is closing anyway, so that is no error.
            with suppress(Exception, asyncio.CancelledError):
                await writer.wait_closed()
            log.info("%s: disconnected", peer)

    async def _converse(
        self, connection: Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        peer = connection.peer
        while not connection.closing and not self._stopping:
            try:
                raw = await asyncio.wait_for(reader.readuntil(b"\r"), timeout=self.idle_timeout)
            except TimeoutError:
                log.info("%s: idle for %.0f s, closing", peer, self.idle_timeout)
                return
            except asyncio.IncompleteReadError as exc:
                if exc.partial.strip(b"\r\n"):
                    log.warning("%s: closed in the middle of a frame: %r", peer, exc.partial[:60])
                return
            except asyncio.LimitOverrunError:
                log.warning("%s: frame longer than %d bytes without a CR, closing", peer, MAX_FRAME_BYTES)
                return
            connection.busy = True
            try:
                reply = await connection.handle(raw)
                if reply is not None:
                    writer.write(reply)
                    await writer.drain()
            finally:
                connection.busy = False


async def serve(engine: Engine, *, host: str, port: int, idle_timeout: float, workers: int) -> None:
    """Run until SIGINT or SIGTERM."""
    server = Sip2Server(engine, idle_timeout=idle_timeout, workers=workers)
    await server.start(host, port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    log.info("SIP2 server stopping on signal")
    await server.stop()
