from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel

if TYPE_CHECKING:
    from app.money import Money


class Invoice(BaseModel):
    total: Money
