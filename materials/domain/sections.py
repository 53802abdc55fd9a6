"""Where a title stands in a branch: its shelf section and shelf mark.

Sections are the unit of shelf capacity (Lyngsoe IMMS calls them item groupings): a branch's shelf locations
each serve one section and together give its capacity.
"""

from materials.domain.states import Audience, MaterialType

SECTIONS = (
    "adult-fiction",
    "adult-nonfiction",
    "children-fiction",
    "children-nonfiction",
    "audiobooks",
    "media",
)

SECTION_NAMES_DA = {
    "adult-fiction": "Skønlitteratur, voksne",
    "adult-nonfiction": "Faglitteratur, voksne",
    "children-fiction": "Børn, skønlitteratur",
    "children-nonfiction": "Børn, fagbøger",
    "audiobooks": "Lydbøger",
    "media": "Film, musik og spil",
}

MEDIA_TYPES = {MaterialType.DVD, MaterialType.MUSIC, MaterialType.GAME}


def is_fiction(classification: str) -> bool:
    return classification.strip().lower() in ("sk", "")


def section_for(*, audience: str, material_type: str, classification: str) -> str:
    if material_type in MEDIA_TYPES:
        return "media"
    if material_type == MaterialType.AUDIOBOOK:
        return "audiobooks"
    prefix = "children" if audience == Audience.CHILDREN else "adult"
    return f"{prefix}-{'fiction' if is_fiction(classification) else 'nonfiction'}"


def shelfmark_for(*, classification: str, author: str) -> str:
    """DK5 class then the first letters of the author's surname, as on a spine label: 'sk Rowl', '79.41 Hans'."""
    first_author = author.split(",")[0].strip()
    surname = first_author.split()[-1] if first_author else ""
    return f"{classification.strip() or 'sk'} {surname[:4].capitalize()}".strip()


def shelfmark_key(shelfmark: str) -> tuple[int, float, str]:
    """Sort key in shelf order: fiction (sk) before numbered classes, then by class number, then by name."""
    cls, _, name = shelfmark.partition(" ")
    if is_fiction(cls):
        return (0, 0.0, name.lower())
    try:
        return (1, float(cls), name.lower())
    except ValueError:
        return (2, 0.0, shelfmark.lower())
