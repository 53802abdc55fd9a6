"""Reading the shipped goodbooks-10k extract (CC BY-SA 4.0, Zygmunt Zając) into demo titles.

The upstream file has no subjects or audience, and its ISBN-13 is a float that lost digits: the ISBN is rebuilt from
the 10-digit column and checked, audience and subjects are inferred from authors and title words. The rules are
rough on purpose; they only need to give the demo a plausible mix.
"""

import re
from pathlib import Path

import polars as pl

from materials.domain.identifiers import InvalidIdentifier, isbn10_to_isbn13, normalise_isbn13

# Authors whose books Danish libraries shelve with children's and young people's material.
CHILDREN_AUTHORS = (
    "J.K. Rowling",
    "Rick Riordan",
    "Roald Dahl",
    "Dr. Seuss",
    "Jeff Kinney",
    "Lemony Snicket",
    "C.S. Lewis",
    "Eric Carle",
    "Maurice Sendak",
    "Shel Silverstein",
    "E.B. White",
    "Beverly Cleary",
    "R.L. Stine",
    "Mo Willems",
    "Suzanne Collins",
    "Christopher Paolini",
    "Cassandra Clare",
    "Veronica Roth",
    "John Green",
    "Rachel Renée Russell",
    "Dav Pilkey",
    "Erin Hunter",
    "Kathryn Lasky",
    "Ann M. Martin",
    "Mary Pope Osborne",
    "Eoin Colfer",
    "Anthony Horowitz",
    "Brandon Mull",
    "Cornelia Funke",
    "Astrid Lindgren",
    "A.A. Milne",
    "Beatrix Potter",
    "Lewis Carroll",
    "L.M. Montgomery",
    "Louisa May Alcott",
    "Philip Pullman",
    "Tamora Pierce",
    "Kiera Cass",
    "James Dashner",
    "Lauren Oliver",
    "Richelle Mead",
    "Ransom Riggs",
    "Margaret Peterson Haddix",
    "Judy Blume",
    "Jacqueline Wilson",
    "Michael Morpurgo",
    "Lois Lowry",
    "Katherine Paterson",
    "Roald Dahl",
)
CHILDREN_WORDS = re.compile(
    r"\b(Diary of a Wimpy Kid|Magic Tree House|Goosebumps|Baby-Sitters|Junie B|"
    r"Warriors|Fairy|Princess|Puppy|Bear|Little|Kids?|Children)\b",
    re.IGNORECASE,
)
SUBJECT_BY_AUTHOR = {
    "fantasy": (
        "Tolkien",
        "George R.R. Martin",
        "Brandon Sanderson",
        "Robert Jordan",
        "Terry Pratchett",
        "Patrick Rothfuss",
        "Neil Gaiman",
        "Terry Goodkind",
        "Robin Hobb",
        "Rowling",
        "Riordan",
        "Paolini",
        "Cassandra Clare",
        "Sarah J. Maas",
        "Joe Abercrombie",
    ),
    "krimi": (
        "Agatha Christie",
        "Jo Nesbø",
        "Stieg Larsson",
        "Michael Connelly",
        "James Patterson",
        "Lee Child",
        "Harlan Coben",
        "Dennis Lehane",
        "Tana French",
        "Jussi Adler-Olsen",
        "Louise Penny",
        "Arthur Conan Doyle",
        "Gillian Flynn",
        "Paula Hawkins",
        "John Grisham",
        "Dan Brown",
        "Ian Rankin",
    ),
    "science fiction": (
        "Isaac Asimov",
        "Philip K. Dick",
        "Frank Herbert",
        "Orson Scott Card",
        "Douglas Adams",
        "Ray Bradbury",
        "Arthur C. Clarke",
        "Ursula K. Le Guin",
        "Andy Weir",
    ),
    "kærlighed": (
        "Nicholas Sparks",
        "Nora Roberts",
        "Danielle Steel",
        "Jojo Moyes",
        "Colleen Hoover",
        "Julia Quinn",
        "Diana Gabaldon",
        "Sophie Kinsella",
        "Jane Austen",
    ),
    "gys": ("Stephen King", "Dean Koontz", "Anne Rice", "H.P. Lovecraft", "R.L. Stine"),
}
NONFICTION_WORDS = (
    (re.compile(r"\b(memoir|autobiography|my life|diary of a young girl|a life)\b", re.I), "99.4", "biografier"),
    (re.compile(r"\b(history of|a history|guns, germs|sapiens)\b", re.I), "90.1", "historie"),
    (re.compile(r"\b(cook|kitchen|recipes?)\b", re.I), "64.1", "mad"),
    (re.compile(r"\b(how to|habits|mindset|thinking, fast|power of)\b", re.I), "15.2", "psykologi"),
    (re.compile(r"\b(universe|brief history of time|cosmos|selfish gene)\b", re.I), "50.1", "naturvidenskab"),
)
ENGLISH = ("eng", "en-US", "en-GB", "en-CA", "en")


def repaired_isbn13(isbn10: str | None, isbn13_float: float | None) -> str | None:
    """An ISBN-13 that passes the check-digit rule, or None.

    The 10-digit column lost its leading zeros (it was read as a number upstream); the float column lost its last
    digit. Prefer the first, padded; fall back to the float when it still has all 13 digits.
    """
    candidates = []
    if isbn10:
        padded = isbn10.strip().upper().zfill(10)
        if re.fullmatch(r"\d{9}[\dX]", padded):
            candidates.append(isbn10_to_isbn13(padded))
    if isbn13_float is not None and isbn13_float == isbn13_float:  # not NaN
        candidates.append(f"{round(isbn13_float):013d}")
    for candidate in candidates:
        try:
            return normalise_isbn13(candidate)
        except InvalidIdentifier:
            continue
    return None


def audience_for(authors: str, title: str) -> str:
    if any(name in authors for name in CHILDREN_AUTHORS) or CHILDREN_WORDS.search(title):
        return "children"
    return "adult"


def classify(authors: str, title: str, year: int | None) -> tuple[str, str]:
    """(DK5 classification, subjects): fiction 'sk' unless the title reads as non-fiction."""
    for pattern, dk5, subject in NONFICTION_WORDS:
        if pattern.search(title):
            return dk5, subject
    subjects = ["romaner"]
    for subject, names in SUBJECT_BY_AUTHOR.items():
        if any(name in authors for name in names):
            subjects.append(subject)
    if year is not None and year < 1930:
        subjects.append("klassikere")
    if "#" in title:
        subjects.append("serier")
    return "sk", ";".join(subjects)


def read_goodbooks(path: Path, *, limit: int) -> pl.DataFrame:
    """The first `limit` books (the file is ordered by popularity) as demo title rows."""
    raw = pl.read_csv(path, infer_schema_length=None, schema_overrides={"isbn": pl.Utf8}, n_rows=limit)
    rows: dict[str, list[object]] = {
        k: []
        for k in (
            "isbn13",
            "title",
            "author",
            "subjects",
            "audience",
            "material_type",
            "classification",
            "year",
            "language",
            "popularity",
            "parts",
        )
    }
    for book in raw.iter_rows(named=True):
        year = None if book["original_publication_year"] is None else int(book["original_publication_year"])
        authors = book["authors"] or ""
        title = book["title"] or ""
        classification, subjects = classify(authors, title, year)
        language = book["language_code"] or "eng"
        rows["isbn13"].append(repaired_isbn13(book["isbn"], book["isbn13"]))
        rows["title"].append(title[:300])
        rows["author"].append(authors[:200])
        rows["subjects"].append(subjects)
        rows["audience"].append(audience_for(authors, title))
        rows["material_type"].append("book")
        rows["classification"].append(classification)
        rows["year"].append(year)
        rows["language"].append("eng" if language in ENGLISH else language[:3])
        rows["popularity"].append(float(book["ratings_count"]))
        rows["parts"].append(1)
    return pl.DataFrame(rows, schema_overrides={"isbn13": pl.Utf8, "year": pl.Int32, "parts": pl.Int32})
