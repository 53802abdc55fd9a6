"""The same seed builds the same library; another seed builds another."""

from materials.demo.build import DEFAULT_TODAY, SCALES, Library, build_library
from tests.demo.conftest import SEED


def _build(seed: int) -> Library:
    return build_library(SCALES["small"], seed=seed, today=DEFAULT_TODAY, patron_key="test")


def test_the_same_seed_builds_the_same_library(small_library: Library) -> None:
    again, other = _build(SEED), _build(SEED + 1)
    for table in ("title", "item", "loan", "reservation", "location", "patron", "task"):
        assert small_library.frames[table].equals(again.frames[table]), table
    assert small_library.frames["item"]["barcode"].to_list() != other.frames["item"]["barcode"].to_list()
    assert small_library.frames["loan"].height != other.frames["loan"].height
