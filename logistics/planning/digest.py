"""A digest of each title's Target rows, computed the same way by the database and by polars.

Planning rewrites only the titles whose rows changed. Comparing row by row meant reading all 800,000 stored rows
into Python each night (two seconds of CPU on SQLite); the database sums a digest per title instead, and only
150,000 (title, rows, digest) triples are read. Each row's digest mixes branch, target, held and demand (to 4
decimals) modulo a prime, then squares it, so the sum over a title changes when any row changes, including
changes that cancel out in a plain sum. All arithmetic stays below 2^63, so SQLite never turns it into floats.
"""

import polars as pl

PRIME = 2_147_483_647  # 2^31 - 1
BASE = 1_000_003
OFFSET = 987_654_321  # < 2^30: x * (x + OFFSET) stays below 2^63 for x < 2^31
DIGEST_SCHEMA = {"title_id": pl.Int64, "row_count": pl.Int64, "digest": pl.Int64}


def digest_sql() -> str:
    """Per title: its row count and the sum of its rows' digests (both databases)."""
    x = "CAST(branch_id AS BIGINT)"
    for part in ("CAST(target AS BIGINT)", "CAST(held AS BIGINT)", "CAST(ROUND(demand * 10000) AS BIGINT)"):
        x = f"(({x}) * {BASE} + {part}) % {PRIME}"
    row = f"(({x}) * (({x}) + {OFFSET})) % {PRIME}"
    # Cast back to BIGINT: PostgreSQL sums bigints as numeric.
    return f"SELECT title_id, COUNT(*) AS row_count, CAST(SUM({row}) AS BIGINT) AS digest FROM target GROUP BY title_id"


def title_digests(rows: pl.LazyFrame) -> pl.LazyFrame:
    """The same as `digest_sql`, for Target rows as planning computed them (demand already rounded to 4 decimals)."""
    x = pl.col("branch_id").cast(pl.Int64)
    for part in (
        pl.col("target").cast(pl.Int64),
        pl.col("held").cast(pl.Int64),
        (pl.col("demand") * 10000).round(0).cast(pl.Int64),
    ):
        x = (x * BASE + part) % PRIME
    return (
        rows.with_columns(x.alias("_x"))
        .group_by("title_id")
        .agg(
            pl.len().cast(pl.Int64).alias("row_count"),
            ((pl.col("_x") * (pl.col("_x") + OFFSET)) % PRIME).sum().alias("digest"),
        )
    )
