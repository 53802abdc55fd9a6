"""A small synthetic library history with learnable demand, inserted straight into a migrated database.

Demand per title and branch follows the title's popularity prior, decays with the title's age, rises in the
children's summer holiday and with branch size; reservations follow demand. Used by the tests until (and beside)
the demo generator, so the model tests do not depend on it.
"""

from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import Engine, insert

from materials.models import Branch, Item, Loan, Patron, Reservation, Title

START = date(2024, 1, 1)


def build_library(engine: Engine, *, titles: int = 300, branches: int = 4, weeks: int = 104, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    branch_rows = [
        {"id": b + 1, "isil": f"DK-7101{b:02d}", "name": f"Branch {b + 1}", "size": 0.6 + 0.4 * b}
        for b in range(branches)
    ]
    popularity = rng.lognormal(3.0, 1.2, titles)
    added = [START + timedelta(weeks=int(w)) for w in rng.integers(-80, weeks - 8, titles)]
    title_rows = [
        {
            "id": t + 1,
            "title": f"Title {t + 1}",
            "author": f"Author {t % 60}",
            "subjects": "krimi;dansk" if t % 3 else "børn",
            "audience": "children" if t % 3 == 0 else "adult",
            "material_type": "book" if t % 5 else "audiobook",
            "year": added[t].year,
            "added_on": added[t],
            "popularity": float(popularity[t]),
        }
        for t in range(titles)
    ]
    item_rows, loan_rows, res_rows = [], [], []
    item_id = 0
    for t in range(titles):
        for b in range(branches):
            item_id += 1
            barcode = f"TEST-{item_id}" if item_id % 97 == 0 else f"3{item_id:09d}"
            item_rows.append(
                {"id": item_id, "barcode": barcode, "title_id": t + 1, "home_branch_id": b + 1,
                 "branch_id": b + 1, "status": "on_shelf", "added_on": added[t]}
            )  # fmt: skip
    for week in range(weeks):
        monday = START + timedelta(weeks=week)
        age = np.array([(monday - a).days / 7 for a in added])
        summer = 1.0 + 0.8 * (27 <= monday.isocalendar().week <= 32)
        for b, branch in enumerate(branch_rows):
            rate = popularity / 60 * np.exp(-np.clip(age, 0, None) / 40) * branch["size"] * (age >= 0)
            rate = rate * np.where(np.arange(titles) % 3 == 0, summer, 1.0)
            loans = rng.poisson(rate)
            holds = rng.poisson(rate * 0.4)
            for t in np.flatnonzero(loans):
                for _ in range(int(loans[t])):
                    at = datetime.combine(monday, datetime.min.time(), UTC) + timedelta(hours=int(rng.integers(9, 150)))
                    loan_rows.append(
                        {"item_id": int(t * branches + b + 1), "title_id": int(t + 1), "branch_id": b + 1, "loaned_at": at,
                         "returned_at": at + timedelta(days=21), "returned_branch_id": b + 1}
                    )  # fmt: skip
            for t in np.flatnonzero(holds):
                at = datetime.combine(monday, datetime.min.time(), UTC) + timedelta(hours=int(rng.integers(9, 150)))
                res_rows.append(
                    {"title_id": int(t + 1), "patron_id": 1, "pickup_branch_id": b + 1, "placed_at": at,
                     "state": "collected", "allocated_at": at + timedelta(days=int(rng.integers(1, 20)))}
                )  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(Branch), branch_rows)
        conn.execute(insert(Title), title_rows)
        conn.execute(insert(Patron), [{"id": 1, "pseudonym": "p1"}])
        conn.execute(insert(Item), item_rows)
        conn.execute(insert(Loan), loan_rows)
        conn.execute(insert(Reservation), res_rows)
