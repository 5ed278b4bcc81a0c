from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.orm import Mapped, mapped_column


class Event:
    at: Mapped[datetime] = mapped_column(DateTime, default=lambda: datetime.now(UTC))
    seen: Mapped[datetime] = mapped_column(DateTime())
