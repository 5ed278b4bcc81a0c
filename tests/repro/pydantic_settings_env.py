"""Reproductions behind learnings/pydantic_settings.xml.

Documentation of how each symptom text was measured; not part of the test run:

    python -m venv /tmp/ps && /tmp/ps/bin/pip install pydantic-settings==2.16.3
    /tmp/ps/bin/python tests/repro/pydantic_settings_env.py CASE

Measured with CPython 3.11.7, pydantic 2.14.4, pydantic-settings 2.16.3. Field names of this
script are masked with `…` in the stored symptoms. FIXED=1 runs each entry's fix.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated

from pydantic import field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

FIXED = os.environ.get("FIXED") == "1"


def list_from_env() -> None:
    """pydantic-settings-list-env-not-json"""
    os.environ["ALLOWED_HOSTS"] = "api.example.com,admin.example.com"

    if FIXED:

        class Settings(BaseSettings):
            allowed_hosts: Annotated[list[str], NoDecode] = []

            @field_validator("allowed_hosts", mode="before")
            @classmethod
            def split(cls, value: object) -> object:
                return (
                    [h.strip() for h in value.split(",") if h.strip()]
                    if isinstance(value, str)
                    else value
                )

    else:

        class Settings(BaseSettings):  # type: ignore[no-redef]
            allowed_hosts: list[str] = []

    print(Settings())


def extra_in_dotenv() -> None:
    """pydantic-settings-extra-forbidden-dotenv"""
    folder = tempfile.mkdtemp()
    env = Path(folder, ".env")
    env.write_text(
        "DATABASE_URL=sqlite://\nPOSTGRES_PASSWORD=for-docker-compose\n"
    )  # shared with docker compose
    extra = {"extra": "ignore"} if FIXED else {}

    class Settings(BaseSettings):
        model_config = SettingsConfigDict(env_file=env, **extra)  # type: ignore[typeddict-item]
        database_url: str

    print(Settings())


CASES = {f.__name__: f for f in (list_from_env, extra_in_dotenv)}

if __name__ == "__main__":
    CASES[sys.argv[1]]()
