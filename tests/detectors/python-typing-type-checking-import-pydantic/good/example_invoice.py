from __future__ import annotations

from pydantic import BaseModel

from app.money import Money


class Invoice(BaseModel):
    total: Money
