from typing import Annotated, Optional

from pydantic import BaseModel, Field


class Customer(BaseModel):
    name: str
    phone: Annotated[Optional[str], Field(max_length=20)]
