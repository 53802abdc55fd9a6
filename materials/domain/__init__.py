"""Domain rules in plain Python: identifiers, statuses, and the decisions' value types."""
