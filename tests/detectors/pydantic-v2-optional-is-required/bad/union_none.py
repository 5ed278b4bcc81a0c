from typing import Union

from pydantic import BaseModel


class Customer(BaseModel):
    name: str
    email: Union[str, None]
