"""Screen logins that outlive a browser reload: a random token per login, stored only as its SHA-256.

A scan station on a wall must not ask for a password after a refresh. At login the server makes a random token
(256 bits) and keeps its hash with the user and an expiry; the screen keeps the token (dashboard.components.sessions
puts it in a cookie). A token that is known, not ended, not expired and whose user is still active logs the browser
in again and pushes the expiry on. Logging out ends the row, so a surviving copy of the token is worth nothing.
The password is never kept anywhere.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from materials.domain.states import Role
from materials.models.access import ScreenSession, User

# A scan station hangs on a wall for weeks; a person's login lasts a working day. Each reload renews it.
LIFETIME = {Role.STATION: timedelta(days=30)}
DEFAULT_LIFETIME = timedelta(hours=12)
KEEP_ENDED = timedelta(days=90)


@dataclass(frozen=True)
class Resumed:
    username: str
    role: Role
    station: str | None


def lifetime(role: Role | str) -> timedelta:
    return LIFETIME.get(Role(role), DEFAULT_LIFETIME)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, *, username: str, at: datetime) -> str:
    """A new login for `username`; returns the token for the browser (shown once, stored only as a hash)."""
    user = session.exec(select(User).where(User.username == username)).one()
    # Logins long over are of no use to anyone: cleared as new ones open (a few a day per station).
    session.execute(delete(ScreenSession).where(col(ScreenSession.expires_at) < at - KEEP_ENDED))
    token = secrets.token_urlsafe(32)
    session.add(
        ScreenSession(
            token_hash=token_hash(token), user_id=user.id or 0, created_at=at, expires_at=at + lifetime(user.role)
        )
    )
    session.commit()
    return token


def resume_session(session: Session, *, token: str, at: datetime) -> Resumed | None:
    """The user a browser's token belongs to, if the login is still good; renews its expiry."""
    found = session.exec(
        select(ScreenSession, User)
        .join(User, col(User.id) == col(ScreenSession.user_id))
        .where(ScreenSession.token_hash == token_hash(token), col(ScreenSession.ended_at).is_(None))
    ).first()
    if found is None:
        return None
    login, user = found
    if login.expires_at <= at or not user.active:
        return None
    login.expires_at = at + lifetime(user.role)
    session.add(login)
    session.commit()
    return Resumed(username=user.username, role=Role(user.role), station=user.station)


def end_session(session: Session, *, token: str, at: datetime) -> None:
    """Log out: the token is good for nothing after this."""
    login = session.exec(select(ScreenSession).where(ScreenSession.token_hash == token_hash(token))).first()
    if login is not None and login.ended_at is None:
        login.ended_at = at
        session.add(login)
        session.commit()
