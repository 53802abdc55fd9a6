"""The REST API the library system talks to: what it pushes (loans, returns, reservations, catalogue) and asks."""

from materials.api.app import create_app

__all__ = ["create_app"]
