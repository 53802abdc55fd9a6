"""Idempotency keys: a write sent twice with the same key happens once, and the second call gets the first answer.

The key is claimed by inserting its row in the same transaction as the write, before the write runs; the unique
constraint on (client, key) makes the database decide between two concurrent calls. The service's own commit
then commits the claim together with its change, and the answer is stored right after. A key whose answer is
missing (the write is still running) gets 409, as does a key sent again with a different request.
Only successful writes keep their key: an error changed nothing, so the same key may be tried again.

Keys expire: after `ApiContext.key_ttl` (24 hours unless `materials api serve --idempotency-hours` says otherwise) a
key is forgotten, and a request with it is a new request. Expired keys are pruned by the API itself, at most once
every `PRUNE_EVERY`, in a short transaction of their own before a write, and by `materials api prune-keys`.

The request fingerprint is an HMAC keyed like patron pseudonyms, because a request body may carry a patron id.
"""

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import delete, exc, inspect
from sqlmodel import Session, col, select

from materials.api.deps import ApiContext, Caller, api_context, scoped, write_session
from materials.errors import MaterialsError
from materials.models import IdempotencyKey

KEY_PATTERN = r"^[!-~]{1,120}$"
PENDING = 0
REPLAY_HEADER = "Idempotent-Replayed"
PRUNE_EVERY = timedelta(minutes=10)


class IdempotencyConflict(MaterialsError):
    """The key was used for a different request, or its first request has not finished."""


def prune_expired_keys(session: Session, *, before: datetime) -> int:
    """Forget the idempotency keys created before `before`; how many went. Commits."""
    result = session.execute(delete(IdempotencyKey).where(col(IdempotencyKey.created_at) < before))
    session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def prune_if_due(context: ApiContext) -> None:
    """Prune expired keys if the last pruning is `PRUNE_EVERY` ago (or never happened in this process)."""
    now = context.now()
    if context.keys_pruned_at is not None and now - context.keys_pruned_at < PRUNE_EVERY:
        return
    context.keys_pruned_at = now
    with Session(context.engine) as session:
        prune_expired_keys(session, before=now - context.key_ttl)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def fingerprint(*, secret: str, method: str, path: str, body: BaseModel | None) -> str:
    canonical = json.dumps(body.model_dump(mode="json") if body else None, sort_keys=True, separators=(",", ":"))
    message = f"{method} {path}\n{canonical}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@dataclass
class Write:
    """One authenticated write: its session, who asks, and its idempotency key."""

    session: Session
    caller: Caller
    context: ApiContext
    key: str
    method: str
    path: str

    @property
    def actor(self) -> str:
        return self.caller.actor

    def run(self, body: BaseModel | None, work: Callable[[], tuple[int, BaseModel]]) -> JSONResponse:
        """Run `work` once for this key and request; a repeat gets the stored answer."""
        digest = fingerprint(secret=self.context.patron_key, method=self.method, path=self.path, body=body)
        prune_if_due(self.context)
        claim = self._claim(digest)
        if not self._claimed(claim):
            if not self._forget_if_expired():
                return self._replay(digest)
            claim = self._claim(digest)
            if not self._claimed(claim):
                return self._replay(digest)
        status_code, answer = work()
        payload: dict[str, Any] = answer.model_dump(mode="json")
        if not inspect(claim).persistent:
            # The service rolled its transaction back (a repeat scan changes nothing): claim the key afresh.
            claim = self._claim(digest)
        claim.status_code = status_code
        claim.response = payload
        self.session.add(claim)
        try:
            self.session.commit()
        except exc.IntegrityError:
            self.session.rollback()
            return self._replay(digest)
        return JSONResponse(payload, status_code=status_code)

    def _claimed(self, claim: IdempotencyKey) -> bool:
        try:
            self.session.add(claim)
            self.session.flush()
        except exc.IntegrityError:
            self.session.rollback()
            return False
        return True

    def _stored(self) -> IdempotencyKey:
        return self.session.exec(
            select(IdempotencyKey).where(IdempotencyKey.client == self.caller.name, IdempotencyKey.key == self.key)
        ).one()

    def _forget_if_expired(self) -> bool:
        """Delete this client's row for the key if it has expired (not yet pruned); whether it had."""
        stored = self.session.exec(
            select(IdempotencyKey).where(IdempotencyKey.client == self.caller.name, IdempotencyKey.key == self.key)
        ).first()
        if stored is None:  # pruned a moment ago
            return True
        if _aware(stored.created_at) >= self.context.now() - self.context.key_ttl:
            self.session.rollback()
            return False
        self.session.delete(stored)
        self.session.commit()
        return True

    def _claim(self, digest: str) -> IdempotencyKey:
        return IdempotencyKey(
            client=self.caller.name,
            key=self.key,
            request_hash=digest,
            status_code=PENDING,
            response={},
            created_at=self.context.now(),
        )

    def _replay(self, digest: str) -> JSONResponse:
        stored = self._stored()
        if not hmac.compare_digest(stored.request_hash, digest):
            raise IdempotencyConflict(f"Idempotency-Key {self.key!r} was used before for a different request")
        if stored.status_code == PENDING:
            raise IdempotencyConflict(f"the request with Idempotency-Key {self.key!r} is still being processed")
        return JSONResponse(stored.response, status_code=stored.status_code, headers={REPLAY_HEADER: "true"})


IdempotencyKeyHeader = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        pattern=KEY_PATTERN,
        description="Unique per write (a UUID will do): a retry with the same key and body returns the first answer.",
    ),
]


def writer(scope: str) -> Callable[..., Write]:
    """A dependency for a write route: authenticated with `scope`, a session, and the Idempotency-Key header."""
    require = scoped(scope)

    def write(
        request: Request,
        key: IdempotencyKeyHeader,
        caller: Caller = Depends(require),
        session: Session = Depends(write_session),
        context: ApiContext = Depends(api_context),
    ) -> Write:
        return Write(
            session=session, caller=caller, context=context, key=key, method=request.method, path=request.url.path
        )

    return write
