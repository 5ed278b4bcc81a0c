from typing import Optional

from app.schemas.base import ApiModel


class CustomerIn(ApiModel):
    name: str
    nickname: Optional[str]
