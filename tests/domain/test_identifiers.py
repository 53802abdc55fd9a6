import pytest

from materials.domain.identifiers import (
    InvalidIdentifier,
    isbn10_to_isbn13,
    normalise_barcode,
    normalise_faust,
    normalise_isbn13,
    normalise_isil,
)


def test_accepts_a_valid_isbn13_with_hyphens():
    assert normalise_isbn13("978-87-02-29463-7") == "9788702294637"


@pytest.mark.parametrize("value", ["9788702294638", "978870229463", "97887022946371", "1234567890123", "97887O2294637"])
def test_refuses_a_malformed_isbn13_naming_the_value(value):
    with pytest.raises(InvalidIdentifier, match=value):
        normalise_isbn13(value)


def test_converts_an_isbn10_to_its_isbn13():
    assert isbn10_to_isbn13("0439023483") == "9780439023481"
    assert normalise_isbn13(isbn10_to_isbn13("0439554934")) == "9780439554930"


def test_accepts_an_eight_digit_faust_number():
    assert normalise_faust("29463251") == "29463251"


@pytest.mark.parametrize("value", ["2946325", "294632511", "2946325X", ""])
def test_refuses_a_malformed_faust_number_naming_the_value(value):
    with pytest.raises(InvalidIdentifier, match=f"faust number {value!r}"):
        normalise_faust(value)


def test_accepts_copenhagen_isil_codes_in_any_case():
    assert normalise_isil("dk-710100") == "DK-710100"


@pytest.mark.parametrize("value", ["DK-71010", "DK710100", "SE-710100", "DK-7101000", "Valby"])
def test_refuses_a_malformed_isil_naming_the_value(value):
    with pytest.raises(InvalidIdentifier, match=value):
        normalise_isil(value)


def test_accepts_a_barcode_and_strips_the_scanner_whitespace():
    assert normalise_barcode(" 5012345678\n") == "5012345678"


@pytest.mark.parametrize("value", ["", "   ", "50123 45678", "50123\x0045678", "x" * 41, "-leading-dash"])
def test_refuses_a_malformed_barcode(value):
    with pytest.raises(InvalidIdentifier, match="malformed barcode"):
        normalise_barcode(value)
