"""Which role may open which screen: the one table both the navigation and each page's guard read."""

from dataclasses import dataclass

from materials.domain.states import Role


@dataclass(frozen=True)
class Screen:
    key: str
    path: str
    title: str
    icon: str
    roles: frozenset[Role]


_FLOOR = frozenset({Role.STATION, Role.SPECIALIST, Role.ADMIN})
_OFFICE = frozenset({Role.MANAGER, Role.ADMIN})

SCREENS: tuple[Screen, ...] = (
    Screen("scan", "pages/scan.py", "Scanning", ":material/barcode_scanner:", _FLOOR),
    Screen("picking", "pages/picking.py", "Plukning", ":material/shelves:", _FLOOR),
    Screen("crates", "pages/crates.py", "Kasser og transit", ":material/local_shipping:", _FLOOR),
    Screen("queues", "pages/queues.py", "Køer", ":material/view_list:", _FLOOR | _OFFICE | {Role.DATA}),
    Screen("manager", "pages/manager.py", "Ledelse", ":material/monitoring:", _OFFICE),
    Screen("planning", "pages/planning.py", "Planlægning", ":material/swap_horiz:", _OFFICE | {Role.SPECIALIST}),
    Screen("data", "pages/data.py", "Data og model", ":material/model_training:", frozenset({Role.DATA, Role.ADMIN})),
)
BY_KEY = {screen.key: screen for screen in SCREENS}


def screens_for(role: Role | str) -> list[Screen]:
    return [screen for screen in SCREENS if Role(role) in screen.roles]


def may_open(role: Role | str, key: str) -> bool:
    return Role(role) in BY_KEY[key].roles
