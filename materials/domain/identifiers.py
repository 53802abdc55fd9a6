"""Identifiers the library world uses, validated at the edge.

Each validator returns the normalised value or raises `InvalidIdentifier` carrying the offending value.
"""

import re

from materials.errors import MaterialsError

ISIL_PATTERN = re.compile(r"^DK-\d{6}$")
FAUST_PATTERN = re.compile(r"^\d{8}$")
BARCODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


class InvalidIdentifier(MaterialsError, ValueError):
    """A malformed ISBN, faust number, ISIL or barcode."""


def isbn13_check_digit(first12: str) -> int:
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(first12))
    return (10 - total % 10) % 10


def normalise_isbn13(value: str) -> str:
    digits = value.replace("-", "").replace(" ", "")
    if len(digits) != 13 or not digits.isdigit():
        raise InvalidIdentifier(f"malformed ISBN-13 {value!r}: needs 13 digits")
    if not digits.startswith(("978", "979")):
        raise InvalidIdentifier(f"malformed ISBN-13 {value!r}: must start with 978 or 979")
    if isbn13_check_digit(digits[:12]) != int(digits[12]):
        raise InvalidIdentifier(f"malformed ISBN-13 {value!r}: wrong check digit")
    return digits


def isbn10_to_isbn13(value: str) -> str:
    core = "978" + value.replace("-", "")[:9]
    return core + str(isbn13_check_digit(core))


def normalise_faust(value: str) -> str:
    digits = value.replace(" ", "")
    if not FAUST_PATTERN.match(digits):
        raise InvalidIdentifier(f"malformed faust number {value!r}: needs 8 digits")
    return digits


def normalise_isil(value: str) -> str:
    code = value.strip().upper()
    if not ISIL_PATTERN.match(code):
        raise InvalidIdentifier(f"malformed ISIL {value!r}: expected DK- and six digits, such as DK-710100")
    return code


def normalise_barcode(value: str) -> str:
    code = value.strip()
    if not BARCODE_PATTERN.match(code):
        raise InvalidIdentifier(
            f"malformed barcode {value!r}: 1-40 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    return code
