"""Who may write: screen users, API clients, SIP2 accounts, and the idempotency keys of API writes."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from materials.domain.states import Role
from materials.models.types import Json


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=60, unique=True, index=True)
    password_hash: str = Field(max_length=200)
    role: Role = Field(sa_type=String(12))
    station: str | None = Field(default=None, max_length=40)
    active: bool = True


class ApiClient(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60, unique=True)
    token_hash: str = Field(max_length=200)
    token_prefix: str = Field(max_length=12, index=True)
    scopes: str = Field(default="", max_length=300)
    active: bool = True


class Sip2Account(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60, unique=True)
    password_hash: str = Field(max_length=200)
    location_code: str = Field(max_length=40)
    active: bool = True


class IdempotencyKey(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("client", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    client: str = Field(max_length=60)
    key: str = Field(max_length=120)
    request_hash: str = Field(max_length=64)
    status_code: int
    response: dict[str, Any] = Field(default_factory=dict, sa_column=Column(Json, nullable=False))
    created_at: datetime


class ScreenSession(SQLModel, table=True):
    """A login on the screens that outlives a browser reload: the browser keeps a random token in a cookie, the
    database only its SHA-256 (the token is 256 random bits, so a fast hash is enough) and when it expires."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None = None  # logged out
