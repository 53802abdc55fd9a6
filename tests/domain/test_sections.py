from materials.domain.sections import section_for, shelfmark_for, shelfmark_key


def test_childrens_fiction_goes_to_the_childrens_fiction_section():
    assert section_for(audience="children", material_type="book", classification="sk") == "children-fiction"


def test_adult_non_fiction_is_told_by_its_dk5_number():
    assert section_for(audience="adult", material_type="book", classification="79.41") == "adult-nonfiction"


def test_films_music_and_games_share_the_media_section_whatever_the_audience():
    assert section_for(audience="children", material_type="dvd", classification="sk") == "media"
    assert section_for(audience="adult", material_type="audiobook", classification="sk") == "audiobooks"


def test_shelfmark_uses_the_first_authors_surname():
    assert shelfmark_for(classification="sk", author="J.K. Rowling, Mary GrandPré") == "sk Rowl"


def test_fiction_shelves_before_numbered_classes_in_numeric_order():
    marks = ["99.4 Ande", "sk Rowl", "79.41 Hans", "sk Adle", "8.1 Bech"]
    assert sorted(marks, key=shelfmark_key) == ["sk Adle", "sk Rowl", "8.1 Bech", "79.41 Hans", "99.4 Ande"]
