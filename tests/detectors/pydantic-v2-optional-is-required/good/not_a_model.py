from dataclasses import dataclass
from typing import Optional, Union


@dataclass
class Row:
    nickname: Optional[str]
    email: Union[str, None]


def handler(value: Optional[str]) -> None:
    local: Optional[str]
