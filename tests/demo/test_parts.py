"""The small pieces the demo is made of: pseudonyms, repaired ISBNs, the Danish school year."""

from datetime import date

import pytest

from materials.demo.calendar import day_factors, easter, school_holiday
from materials.demo.goodbooks import audience_for, repaired_isbn13
from materials.domain.privacy import patron_pseudonym


def test_a_pseudonym_is_stable_per_key_and_differs_between_keys() -> None:
    assert patron_pseudonym("1234567890", "key-a") == patron_pseudonym(" 1234567890 ", "key-a")
    assert patron_pseudonym("1234567890", "key-a") != patron_pseudonym("1234567890", "key-b")
    assert len(patron_pseudonym("1234567890", "key-a")) == 64
    with pytest.raises(ValueError, match="key"):
        patron_pseudonym("1234567890", "")


def test_isbn13_is_rebuilt_from_the_ten_digit_column_that_lost_its_zeros() -> None:
    # The Hunger Games: isbn 0439023483 was read as the number 439023483; the float lost the check digit.
    assert repaired_isbn13("439023483", 9.78043902348e12) == "9780439023481"
    assert repaired_isbn13("080213825X", None) == "9780802138255"


def test_an_isbn_that_fails_its_check_becomes_none() -> None:
    assert repaired_isbn13(None, 9.78043902348e12) is None
    assert repaired_isbn13("not-isbn", None) is None


def test_childrens_authors_make_childrens_titles() -> None:
    assert audience_for("J.K. Rowling, Mary GrandPré", "Harry Potter and the Sorcerer's Stone") == "children"
    assert audience_for("Jo Nesbø", "The Snowman") == "adult"


def test_the_danish_school_year() -> None:
    assert easter(2025) == date(2025, 4, 20)
    assert school_holiday(date(2025, 7, 15)) and school_holiday(date(2025, 10, 15))
    assert not school_holiday(date(2025, 9, 10)) and not school_holiday(date(2025, 3, 5))


def test_day_factors_average_one_and_lift_children_in_july() -> None:
    factors = day_factors(date(2025, 1, 1), 365)
    assert factors.mean(axis=0) == pytest.approx([1.0, 1.0])
    july, march = factors[181:212, 1].mean(), factors[59:90, 1].mean()
    assert july > 1.3 * march
