"""Logins that outlive a browser reload: a scan station on a wall must not ask for a password after a refresh.

At login the server makes a random token (256 bits), stores only its SHA-256 with the user and an expiry
(ScreenSession), and the page puts the token in a cookie. On a reload Streamlit hands the browser's cookies to
the new session (st.context.cookies, read-only); a token that is known, not ended, not expired and whose user is
still active logs the browser in again and pushes the expiry on. Logging out ends the row, so the token is worth
nothing even if a copy of the cookie survives. The password is never kept anywhere.

The cookie is written by a script in the page (Streamlit cannot set cookies itself), so it is not HttpOnly: the
screens run on the library's LAN, and the token is only good for the screens and until it expires or is ended.
"""

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import streamlit as st
from sqlalchemy import delete
from sqlmodel import Session, col, select

from materials.domain.states import Role
from materials.models.access import ScreenSession, User

COOKIE = "materials_screens"
TOKEN_KEY = "screen_token"
FORGET_KEY = "screen_forget_cookie"
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


def browser_token() -> str | None:
    """The token the browser sent when this session connected (None in tests without a browser)."""
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # no browser connection (bare runs)
        return None
    return value if isinstance(value, str) and value else None


_COOKIE_SCRIPT = """
<script>
(function () {
  const doc = (window.parent || window).document;
  const secure = doc.location.protocol === "https:" ? "; Secure" : "";
  doc.cookie = %s + "=" + %s + "; Path=/; Max-Age=" + %d + "; SameSite=Strict" + secure;
})();
</script>
"""


def write_cookie(token: str, max_age: timedelta) -> None:
    """Keep `token` in the browser for `max_age` (a zero age deletes the cookie)."""
    st.html(
        _COOKIE_SCRIPT % (json.dumps(COOKIE), json.dumps(token), int(max_age.total_seconds())),
        unsafe_allow_javascript=True,
    )
