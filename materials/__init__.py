"""materials: the backend of the materials team — records, decisions and work queues."""

__version__ = "0.1.0"
