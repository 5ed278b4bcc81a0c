from typing import Annotated, Optional, Union

from pydantic import BaseModel, Field


class Customer(BaseModel):
    name: str
    nickname: Optional[str] = None
    email: Union[str, None] = None
    phone: Annotated[Optional[str], Field(max_length=20)] = None
    fax: Annotated[Optional[str], Field(default=None, max_length=20)]
    note: Optional[str] = Field(None, description="free text")
    tags: Optional[list[str]] = Field(default_factory=list)
