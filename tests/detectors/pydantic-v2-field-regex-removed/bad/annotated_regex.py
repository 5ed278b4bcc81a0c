from typing import Annotated

import pydantic


class Sku(pydantic.BaseModel):
    code: Annotated[str, pydantic.Field(regex="^[A-Z]+$", max_length=8)]
