"""The demo library (`materials seed`): Copenhagen's branches, a real-and-generated catalogue, copies, patrons and
three years of loans and reservations with a learnable shape.

- `library`: branches, locations, stations, sorter bins, transport costs
- `calendar`: seasons and the Danish school year (calibrated on LibrariesWest)
- `goodbooks`, `catalogue`, `words`: titles
- `collection`: copies per title and branch
- `history`: the day-by-day simulation of lending and reservations
- `circulation`, `placement`: rows for patrons, loans, reservations, items, shelves and pick tasks
- `build`: everything as frames; `bulk`: one-transaction loading; `seed`: the entry point
"""
