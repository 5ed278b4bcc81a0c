from typing import Optional

from pydantic import BaseModel, Field


class Customer(BaseModel):
    name: str
    nickname: Optional[str] = Field(description="Shown instead of the name")
