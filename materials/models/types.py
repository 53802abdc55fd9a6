"""Column types shared by the tables."""

from sqlalchemy import JSON, BigInteger, Integer

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key for the big logs.
BigId = BigInteger().with_variant(Integer(), "sqlite")
Json = JSON()
