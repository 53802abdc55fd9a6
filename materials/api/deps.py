"""What the routes depend on: the app's context, database sessions, and the authenticated client with its scopes.

A token is checked with argon2 once; after that the app remembers its SHA-256 digest with the client's id and
token hash, and each request only re-reads the client row — so revoking or re-issuing a token takes effect at once
without paying argon2's cost on every call.
"""

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session

from materials.clock import Clock
from materials.db import read_session
from materials.models import ApiClient
from materials.services.auth import AuthenticationFailed, authenticate_token

SCOPES = {
    "read": "ask for items, titles, reservations, branches and pick lists",
    "circulation": "push loans, returns and reservations (placed and cancelled)",
    "catalogue": "push titles and items, and withdraw items",
}

bearer = HTTPBearer(auto_error=False, description="An API client's token: `materials api client add NAME`.")


@dataclass
class ApiContext:
    engine: Engine
    clock: Clock
    patron_key: str
    # How long an idempotency key is remembered; older keys are pruned and may be used again.
    key_ttl: timedelta = timedelta(hours=24)
    keys_pruned_at: datetime | None = None
    # sha256(token) -> (client id, token hash at the time it was verified)
    tokens: dict[str, tuple[int, str]] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock.now()


@dataclass(frozen=True)
class Caller:
    name: str
    scopes: frozenset[str]

    @property
    def actor(self) -> str:
        """How the event log names a write by this client (screen users and SIP2 accounts have their own)."""
        return f"api:{self.name}"


def api_context(request: Request) -> ApiContext:
    context: ApiContext = request.app.state.api
    return context


def write_session(context: ApiContext = Depends(api_context)) -> Iterator[Session]:
    with Session(context.engine, expire_on_commit=False) as session:
        yield session


def reading_session(context: ApiContext = Depends(api_context)) -> Iterator[Session]:
    with read_session(context.engine) as session:
        yield session


def _unauthorised(message: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=message, headers={"WWW-Authenticate": "Bearer"})


def _known_client(session: Session, context: ApiContext, token: str) -> ApiClient:
    digest = hashlib.sha256(token.encode()).hexdigest()
    remembered = context.tokens.get(digest)
    if remembered is not None:
        client = session.get(ApiClient, remembered[0])
        if client is not None and client.active and client.token_hash == remembered[1]:
            return client
        context.tokens.pop(digest, None)
    client = authenticate_token(session, token=token)
    context.tokens[digest] = (client.id, client.token_hash)  # type: ignore[assignment]
    return client


def authenticated(
    credentials: HTTPAuthorizationCredentials | None = Security(bearer),
    context: ApiContext = Depends(api_context),
) -> Caller:
    """The client behind the bearer token; 401 without a valid one."""
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise _unauthorised("missing bearer token: send 'Authorization: Bearer <token>'")
    # Its own short read session, so a writer does not hold SQLite's write lock while argon2 runs.
    with read_session(context.engine) as session:
        try:
            client = _known_client(session, context, credentials.credentials)
        except AuthenticationFailed as exc:
            raise _unauthorised(str(exc)) from exc
    return Caller(name=client.name, scopes=frozenset(client.scopes.split()))


def scoped(scope: str) -> Callable[[Caller], Caller]:
    """A dependency: the authenticated client, which must hold `scope` (403 otherwise)."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    def require(caller: Caller = Depends(authenticated)) -> Caller:
        if scope not in caller.scopes:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, detail=f"API client {caller.name!r} lacks the scope {scope!r}"
            )
        return caller

    return require
