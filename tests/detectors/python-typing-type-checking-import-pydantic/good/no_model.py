from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.models import Order


def price(order: Order) -> int:
    return 1
