"""The same seed builds the same library; another seed builds another."""

from materials.demo.build import DEFAULT_TODAY, SCALES, build_library


def _build(seed: int):
    return build_library(SCALES["small"], seed=seed, today=DEFAULT_TODAY, patron_key="test")


def test_the_same_seed_builds_the_same_library() -> None:
    first, second, other = _build(11), _build(11), _build(12)
    for table in ("title", "item", "loan", "reservation", "location"):
        assert first.frames[table].equals(second.frames[table]), table
    assert first.frames["item"]["barcode"].to_list() != other.frames["item"]["barcode"].to_list()
    assert first.frames["loan"].height != other.frames["loan"].height
