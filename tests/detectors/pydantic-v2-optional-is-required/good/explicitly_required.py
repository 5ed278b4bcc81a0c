from typing import Optional

from pydantic import BaseModel, Field


class Patch(BaseModel):
    # the key must be sent, null allowed: said on purpose with ...
    deleted_at: Optional[str] = Field(..., description="null to undelete")
