from typing import Optional

from pydantic.v1 import BaseModel


class Legacy(BaseModel):
    nickname: Optional[str]
