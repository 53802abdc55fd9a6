"""The small demo library has the shape the brief promises: a long tail, seasons, new titles that fade, branches
of different sizes, and counts that match the scale."""

from sqlalchemy import Engine, text

from materials.demo.build import SCALES
from materials.demo.library import BRANCHES


def _rows(engine: Engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql)).all()]


def _one(engine: Engine, sql: str) -> float:
    return _rows(engine, sql)[0][0]


def test_counts_match_the_small_scale(small_read: Engine) -> None:
    scale = SCALES["small"]
    assert _one(small_read, "SELECT COUNT(*) FROM branch") == len(BRANCHES) == 22
    assert _one(small_read, "SELECT COUNT(*) FROM title") == scale.real_titles + scale.generated_titles
    assert abs(_one(small_read, "SELECT COUNT(*) FROM item") - scale.items) <= scale.items * 0.02
    loans = _one(small_read, "SELECT COUNT(*) FROM loan")
    per_item_year = loans / scale.items / scale.years
    assert 2.2 <= per_item_year <= 3.2, per_item_year
    reservations = _one(small_read, "SELECT COUNT(*) FROM reservation")
    assert 0.25 <= reservations / loans <= 0.5
    assert _one(small_read, "SELECT COUNT(*) FROM patron") == scale.patrons
    assert _one(small_read, "SELECT COUNT(*) FROM event WHERE kind = 'seed'") == 1


def test_a_tenth_of_the_titles_takes_a_large_share_of_the_loans(small_read: Engine) -> None:
    per_title = [n for (n,) in _rows(small_read, "SELECT COUNT(*) FROM loan GROUP BY title_id ORDER BY 1 DESC")]
    titles = _one(small_read, "SELECT COUNT(*) FROM title")
    share = sum(per_title[: titles // 10]) / sum(per_title)
    assert share > 0.4, share
    # ... and a tail: many titles are borrowed only a handful of times in three years.
    assert sum(1 for n in per_title if n <= 10) + (titles - len(per_title)) > titles * 0.2


def _monthly(engine: Engine, audience: str) -> dict[str, int]:
    rows = _rows(
        engine,
        f"""
        SELECT strftime('%m', l.loaned_at) AS m, COUNT(*) FROM loan l JOIN title t ON t.id = l.title_id
        WHERE t.audience = '{audience}' AND l.loaned_at >= '2024-01-01' AND l.loaned_at < '2026-01-01'
        GROUP BY m""",
    )
    return dict(rows)


def test_children_borrow_most_in_the_summer_holiday_and_least_at_christmas(small_read: Engine) -> None:
    children = _monthly(small_read, "children")
    assert children["07"] > 1.3 * children["03"], children
    assert children["07"] > 1.3 * children["10"], children
    assert children["12"] < 0.85 * children["03"], children
    adults = _monthly(small_read, "adult")
    # Adults keep reading through the summer: their July is close to an ordinary month.
    assert 0.85 < adults["07"] / adults["03"] < 1.15, adults


def test_mondays_lend_more_than_sundays(small_read: Engine) -> None:
    by_weekday = dict(_rows(small_read, "SELECT strftime('%w', loaned_at), COUNT(*) FROM loan GROUP BY 1"))
    assert by_weekday["1"] > 1.8 * by_weekday["0"]


def test_new_titles_peak_and_then_fade(small_read: Engine) -> None:
    early, late = _rows(
        small_read,
        """
        SELECT SUM(julianday(l.loaned_at) - julianday(t.added_on) < 56),
               SUM(julianday(l.loaned_at) - julianday(t.added_on) BETWEEN 280 AND 336)
        FROM loan l JOIN title t ON t.id = l.title_id
        WHERE t.added_on >= '2023-11-24' AND t.added_on < '2025-06-01'""",
    )[0]
    assert early > 1.8 * late, (early, late)


def test_the_main_library_lends_most(small_read: Engine) -> None:
    per_branch = dict(
        _rows(small_read, "SELECT b.isil, COUNT(*) FROM loan l JOIN branch b ON b.id = l.branch_id GROUP BY b.isil")
    )
    assert max(per_branch, key=per_branch.__getitem__) == "DK-710100"
    assert per_branch["DK-710100"] > 3 * per_branch["DK-710114"]  # Tingbjerg, the smallest


def test_childrens_material_leans_to_family_branches(small_read: Engine) -> None:
    share = dict(
        _rows(
            small_read,
            """
        SELECT b.isil, AVG(t.audience = 'children') FROM item i JOIN title t ON t.id = i.title_id
        JOIN branch b ON b.id = i.home_branch_id GROUP BY b.isil""",
        )
    )
    assert share["DK-710108"] > share["DK-710100"]  # Ørestad over Hovedbiblioteket
