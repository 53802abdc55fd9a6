"""The demo catalogue: real titles from goodbooks-10k (CC BY-SA 4.0, Zygmunt Zając) and generated Danish ones.

Each title carries, besides its table columns, what the history needs (columns starting with `_`): its demand
weight, the day (from the history's start) it was added, and its shelf section. The weight follows the title's
popularity prior with noise, so the prior is informative for forecasting without giving the answer away.
"""

from datetime import date

import numpy as np
import polars as pl

from materials.demo.calendar import DATA_DIR
from materials.demo.goodbooks import read_goodbooks
from materials.demo.words import (
    ADJECTIVES,
    CHILD_DK5,
    CHILD_NOUNS,
    CHILD_VERBS,
    DK5,
    FIRST_NAMES,
    NONFICTION_WORDS,
    NOUNS,
    PLACES,
    SERIES_WORDS,
    SURNAMES,
)
from materials.domain.sections import SECTIONS, section_for

GOODBOOKS_CSV = DATA_DIR / "goodbooks10k" / "books.csv"
MATERIALS = ("book", "audiobook", "dvd", "music", "game", "course")
MATERIAL_SHARE = (0.80, 0.085, 0.055, 0.035, 0.012, 0.013)
# Demand scales with popularity to this power: heavy enough for a long tail, not so heavy that a few titles own all.
POPULARITY_POWER = 0.62
WEIGHT_NOISE = 0.55


def build_titles(
    rng: np.random.Generator, *, real: int, generated: int, start: date, days: int, new_share: float
) -> pl.DataFrame:
    real_titles = read_goodbooks(GOODBOOKS_CSV, limit=real)
    fake = _generated(rng, generated, start=start, days=days, new_share=new_share)
    n_real = real_titles.height
    # Real titles were bought before the history starts; the newest of them still decay from their launch.
    real_added = -rng.integers(20, 3650, n_real)
    real_titles = real_titles.with_columns(pl.Series("_added_day", real_added, dtype=pl.Int32))
    titles = pl.concat([real_titles, fake], how="diagonal_relaxed")
    n = titles.height
    fausts = 20_000_000 + np.cumsum(rng.integers(1, 300, n))
    weight = titles["popularity"].to_numpy() ** POPULARITY_POWER * rng.lognormal(0.0, WEIGHT_NOISE, n)
    weight *= np.where(titles["material_type"].to_numpy() == "book", 1.0, 0.7)
    return titles.with_columns(
        pl.Series("id", np.arange(1, n + 1), dtype=pl.Int64),
        pl.Series("faust", fausts.astype(str)),
        pl.Series("_weight", weight / weight.mean()),
        (pl.lit(start) + pl.duration(days=pl.col("_added_day"))).alias("added_on"),
        pl.col("parts").fill_null(1),
    ).join(_sections(titles), on=["audience", "material_type", "classification"], how="left", maintain_order="left")


def _sections(titles: pl.DataFrame) -> pl.DataFrame:
    """The shelf section (index into SECTIONS) of each audience × material × class combination."""
    combos = titles.select("audience", "material_type", "classification").unique()
    return combos.with_columns(
        pl.Series(
            "_section", [SECTIONS.index(section_for(**row)) for row in combos.iter_rows(named=True)], dtype=pl.Int8
        )
    )


def _isbns(rng: np.random.Generator, n: int) -> list[str]:
    """Valid ISBN-13s with the Danish group prefix 978-87, unique within the demo."""
    body = 978_870_000_000 + 400_000 + np.cumsum(rng.integers(1, 40, n))
    digits = (body[:, None] // 10 ** np.arange(11, -1, -1)) % 10
    check = (10 - (digits * np.tile([1, 3], 6)).sum(axis=1) % 10) % 10
    return (body * 10 + check).astype(str).tolist()


def _generated(rng: np.random.Generator, n: int, *, start: date, days: int, new_share: float) -> pl.DataFrame:
    material = rng.choice(len(MATERIALS), n, p=MATERIAL_SHARE)
    children = rng.random(n) < np.where(material == MATERIALS.index("course"), 0.0, 0.32)
    fiction = rng.random(n) < np.where(children, 0.75, 0.55)
    fiction |= np.isin(material, [MATERIALS.index("dvd"), MATERIALS.index("music"), MATERIALS.index("game")])
    fiction &= material != MATERIALS.index("course")
    popularity = rng.lognormal(np.log(1500.0), 1.5, n)
    is_new = rng.random(n) < new_share
    # New titles arrive all through the history, more of them in the autumn book season.
    new_day = rng.integers(0, days, n)
    autumn = rng.random(n) < 0.25
    new_day = np.where(autumn, (new_day // 365) * 365 + rng.integers(250, 330, n), new_day) % max(days, 1)
    added_day = np.where(is_new, new_day, -rng.integers(30, 4000, n)).astype(np.int32)
    years = start.year + (start.timetuple().tm_yday - 1 + added_day) // 365 - np.where(is_new, 0, 1)
    # Draw every choice as an array first: a per-title call into the generator costs more than the formatting.
    r = rng.integers(0, 1 << 30, (n, 8))
    titles, authors, classes, subjects = [], [], [], []
    for k in range(n):
        row = r[k]
        authors.append(f"{FIRST_NAMES[row[0] % len(FIRST_NAMES)]} {SURNAMES[row[1] % len(SURNAMES)]}")
        mat = MATERIALS[material[k]]
        if fiction[k]:
            cls, subj = "sk", _fiction_subject(row[2], bool(children[k]), mat)
            name = _child_title(row) if children[k] else _adult_title(row)
        else:
            groups = CHILD_DK5 if children[k] else DK5
            cls, subj = groups[row[2] % len(groups)]
            if mat == "course":
                cls, subj = "80.6", "sprog;sprogkurser"
            name = _nonfiction_title(row, subj)
        titles.append(name[0].upper() + name[1:])
        classes.append(cls)
        subjects.append(subj)
    isbn = np.array(_isbns(rng, n), dtype=object)
    has_isbn = np.isin(material, [MATERIALS.index(m) for m in ("book", "audiobook", "course")])
    parts = np.where(material == MATERIALS.index("course"), rng.integers(2, 5, n), 1)
    return pl.DataFrame(
        {
            "isbn13": [code if ok else None for code, ok in zip(isbn.tolist(), has_isbn.tolist(), strict=True)],
            "title": titles,
            "author": authors,
            "subjects": subjects,
            "audience": np.where(children, "children", "adult").tolist(),
            "material_type": [MATERIALS[m] for m in material],
            "classification": classes,
            "year": years.astype(np.int32),
            "language": "dan",
            "popularity": np.round(popularity, 1),
            "parts": parts.astype(np.int32),
            "_added_day": added_day,
        },
        schema_overrides={"isbn13": pl.Utf8},
    )


FICTION_SUBJECTS = {
    "dvd": ("film;drama", "film;krimi", "film;komedie", "film;action"),
    "dvd-children": ("film;børnefilm", "film;tegnefilm"),
    "music": ("musik;pop", "musik;rock", "musik;jazz", "musik;klassisk", "musik;folk"),
    "music-children": ("musik;børnesange",),
    "game": ("spil;computerspil",),
    "game-children": ("spil;computerspil",),
    "children": (
        "børnebøger;eventyr",
        "børnebøger;dyr",
        "børnebøger;venskab",
        "billedbøger",
        "børnebøger;fantasy",
        "børnebøger;gys",
    ),
    "adult": (
        "romaner;krimi",
        "romaner;slægtsromaner",
        "romaner;kærlighed",
        "romaner;historiske",
        "romaner;fantasy",
        "noveller",
        "digte",
        "romaner;spænding",
    ),
}


def _fiction_subject(draw: int, children: bool, material: str) -> str:
    if material in ("dvd", "music", "game"):
        key = f"{material}-children" if children else material
    else:
        key = "children" if children else "adult"
    options = FICTION_SUBJECTS[key]
    return options[draw % len(options)]


def _adult_title(row: np.ndarray) -> str:
    form = row[3] % 5
    adj, noun = ADJECTIVES[row[4] % len(ADJECTIVES)], NOUNS[row[5] % len(NOUNS)]
    place, other = PLACES[row[6] % len(PLACES)], NOUNS[row[7] % len(NOUNS)]
    if form == 0:
        return f"Den {adj} {noun}"
    if form == 1:
        return f"{noun.capitalize()} på {place}"
    if form == 2:
        return f"{noun.capitalize()} og {other}"
    if form == 3:
        return f"De {adj} år"
    return f"{noun.capitalize()} i {place}, {SERIES_WORDS[row[7] % 3]} {row[3] % 4 + 1}"


def _child_title(row: np.ndarray) -> str:
    who = CHILD_NOUNS[row[4] % len(CHILD_NOUNS)].capitalize()
    return f"{who} {CHILD_VERBS[row[5] % len(CHILD_VERBS)]}"


def _nonfiction_title(row: np.ndarray, subjects: str) -> str:
    lead = NONFICTION_WORDS.get(subjects.split(";")[0], "Om")
    return f"{lead} {NOUNS[row[5] % len(NOUNS)]} og {PLACES[row[6] % len(PLACES)]}"
