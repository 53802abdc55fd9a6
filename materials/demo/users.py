"""Demo logins for the screens, one per role, with passwords that are documented in the README.

Demo only: a real installation adds its users with `materials users add` and never runs this.
"""

from dataclasses import dataclass

from sqlmodel import Session, select

from materials.domain.states import Role
from materials.models import User
from materials.services.auth import add_user


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    password: str
    station: str | None = None


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("sortering-1", Role.STATION, "sortering-demo", station="sortering-1"),
    DemoUser("sortering-2", Role.STATION, "sortering-demo", station="sortering-2"),
    DemoUser("pluk-valby", Role.STATION, "pluk-demo", station="pluk-710115"),
    DemoUser("specialist", Role.SPECIALIST, "specialist-demo"),
    DemoUser("leder", Role.MANAGER, "leder-demo"),
    DemoUser("data", Role.DATA, "data-demo"),
    DemoUser("admin", Role.ADMIN, "admin-demo"),
)


def ensure_demo_users(session: Session) -> list[str]:
    """Create the demo logins that do not exist yet; returns the user names created."""
    existing = set(session.exec(select(User.username)))
    created: list[str] = []
    for demo in DEMO_USERS:
        if demo.username in existing:
            continue
        add_user(session, username=demo.username, password=demo.password, role=demo.role, station=demo.station)
        created.append(demo.username)
    return created
