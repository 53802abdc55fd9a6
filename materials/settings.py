"""Settings read from the environment (prefix MATERIALS_) and an optional .env file.

Nothing here runs at import time: entry points call `Settings()` and pass the values down.
"""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MATERIALS_", env_file=".env", extra="ignore")

    database_url: str = Field(default="sqlite:///materials.db", description="SQLAlchemy URL of the database")
    # Keyed hashing of patron ids from the library system; change it per installation.
    patron_key: str = "change-me-per-installation"
    artifacts_dir: str = "artifacts"
    duplicate_scan_seconds: float = 10.0
    pickup_days: int = 7
    pick_timeout_days: int = 3
    transit_alert_days: int = 5
    show_patron_names: bool = False
