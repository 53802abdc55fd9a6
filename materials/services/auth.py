"""Who may write: screen users, SIP2 accounts and API clients, with passwords and tokens hashed by argon2."""

import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from materials.domain.states import Role
from materials.errors import MaterialsError
from materials.models import ApiClient, Sip2Account, User

_hasher = PasswordHasher()


class AuthenticationFailed(MaterialsError):
    pass


class DuplicateAccount(MaterialsError):
    pass


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(stored_hash: str, secret: str) -> bool:
    try:
        return _hasher.verify(stored_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


def add_user(session: Session, *, username: str, password: str, role: Role, station: str | None = None) -> User:
    if session.exec(select(User).where(User.username == username)).first() is not None:
        raise DuplicateAccount(f"user {username!r} exists already")
    if role == Role.STATION and not station:
        raise MaterialsError(f"user {username!r}: a scan-station login needs a station")
    user = User(username=username, password_hash=hash_secret(password), role=role, station=station)
    session.add(user)
    session.commit()
    return user


def authenticate_user(session: Session, *, username: str, password: str) -> User:
    user = session.exec(select(User).where(User.username == username, User.active == True)).first()  # noqa: E712
    if user is None or not verify_secret(user.password_hash, password):
        raise AuthenticationFailed("wrong user name or password")
    return user


def add_sip2_account(session: Session, *, name: str, password: str, location_code: str) -> Sip2Account:
    if session.exec(select(Sip2Account).where(Sip2Account.name == name)).first() is not None:
        raise DuplicateAccount(f"SIP2 account {name!r} exists already")
    account = Sip2Account(name=name, password_hash=hash_secret(password), location_code=location_code)
    session.add(account)
    session.commit()
    return account


def authenticate_sip2(session: Session, *, name: str, password: str) -> Sip2Account:
    account = session.exec(select(Sip2Account).where(Sip2Account.name == name, Sip2Account.active == True)).first()  # noqa: E712
    if account is None or not verify_secret(account.password_hash, password):
        raise AuthenticationFailed(f"SIP2 login refused for {name!r}")
    return account


@dataclass(frozen=True)
class IssuedToken:
    client: ApiClient
    token: str  # shown once; only its hash is stored


TOKEN_PREFIX_LENGTH = 8


def add_api_client(session: Session, *, name: str, scopes: list[str]) -> IssuedToken:
    if session.exec(select(ApiClient).where(ApiClient.name == name)).first() is not None:
        raise DuplicateAccount(f"API client {name!r} exists already")
    token = secrets.token_urlsafe(32)
    client = ApiClient(
        name=name,
        token_hash=hash_secret(token),
        token_prefix=token[:TOKEN_PREFIX_LENGTH],
        scopes=" ".join(sorted(set(scopes))),
    )
    session.add(client)
    session.commit()
    return IssuedToken(client=client, token=token)


def authenticate_token(session: Session, *, token: str) -> ApiClient:
    candidates = session.exec(
        select(ApiClient).where(ApiClient.token_prefix == token[:TOKEN_PREFIX_LENGTH], ApiClient.active == True)  # noqa: E712
    )
    for client in candidates:
        if verify_secret(client.token_hash, token):
            return client
    raise AuthenticationFailed("unknown or revoked API token")
