from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic_settings import BaseSettings

if TYPE_CHECKING:
    from pathlib import Path


class Settings(BaseSettings):
    data_dir: Path
