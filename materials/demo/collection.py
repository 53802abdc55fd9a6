"""The copies: how many of each title, at which branch, with which barcode and shelf mark.

Popular titles get more copies (less than in proportion, so their copies stay busy and gather reservations),
copies spread over branches by size, and children's material leans towards the family branches. A few copies of
old, little-wanted titles stand in remote storage.
"""

from dataclasses import dataclass

import numpy as np
import polars as pl

from materials.demo.library import BRANCHES, PUBLIC_KINDS, STORAGE_INDEX
from materials.domain.sections import shelfmark_for

COPIES_POWER = 0.7
STORAGE_SHARE = 0.35  # of the old, little-wanted titles, how many have their one copy in storage


@dataclass
class Copies:
    """One entry per item (index = item id - 1): what the history simulation needs."""

    title: np.ndarray  # title index (id - 1)
    branch: np.ndarray  # branch index, where the copy is now (changes as it floats)
    home: np.ndarray  # branch index of the home branch
    added_day: np.ndarray
    weight: np.ndarray  # this copy's share of its title's demand
    children: np.ndarray  # bool: children's material

    @property
    def count(self) -> int:
        return len(self.title)


def copies_per_title(weight: np.ndarray, items: int) -> np.ndarray:
    """At least one copy each, more for popular titles, summing to about `items`."""
    base = weight**COPIES_POWER
    low, high = 0.0, items / base.sum() * 4
    for _ in range(40):
        scale = (low + high) / 2
        total = np.maximum(1, np.round(scale * base)).sum()
        low, high = (scale, high) if total < items else (low, scale)
    return np.maximum(1, np.round(scale * base)).astype(np.int64)


def place_copies(rng: np.random.Generator, titles: pl.DataFrame, *, items: int) -> Copies:
    weight = titles["_weight"].to_numpy()
    children = titles["audience"].to_numpy() == "children"
    added = titles["_added_day"].to_numpy()
    copies = copies_per_title(weight, items)
    title = np.repeat(np.arange(titles.height), copies)
    public = np.array([i for i, b in enumerate(BRANCHES) if b.kind in PUBLIC_KINDS])
    size = np.array([BRANCHES[i].size for i in public])
    family = np.array([BRANCHES[i].family for i in public])
    branch = np.empty(len(title), dtype=np.int16)
    for is_child, share in ((False, size), (True, size * family**2)):
        mask = children[title] == is_child
        branch[mask] = public[rng.choice(len(public), mask.sum(), p=share / share.sum())]
    # Old titles in the tail of demand, one copy each: a share of them lives in the remote store.
    tail = (copies == 1) & (added < -1500) & (weight < np.quantile(weight, 0.25))
    stored = tail & (rng.random(titles.height) < STORAGE_SHARE)
    branch[np.isin(title, np.flatnonzero(stored))] = STORAGE_INDEX
    # Later copies of a new title arrive over its first weeks; old titles' copies were all bought long ago.
    item_added = added[title] + np.where(added[title] >= 0, rng.integers(0, 10, len(title)), 0)
    return Copies(
        title=title.astype(np.int32),
        branch=branch,
        home=branch.copy(),
        added_day=item_added.astype(np.int32),
        weight=(weight / copies)[title],
        children=children[title],
    )


def barcodes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Ten-digit item numbers, as on Danish library labels; unique and in no particular order."""
    numbers = 3_800_000_000 + np.cumsum(rng.integers(1, 30, n))
    return rng.permutation(numbers).astype(str)


def shelfmarks(titles: pl.DataFrame) -> pl.Series:
    return pl.Series(
        "shelfmark",
        [
            shelfmark_for(classification=c, author=a)
            for c, a in zip(titles["classification"].to_list(), titles["author"].to_list(), strict=True)
        ],
    )
