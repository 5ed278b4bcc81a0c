from typing import Union

from pydantic import BaseModel


class Value(BaseModel):
    amount: Union[int, float]
    label: str | int
