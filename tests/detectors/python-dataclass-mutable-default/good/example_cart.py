from dataclasses import dataclass, field


@dataclass
class Cart:
    items: list[str] = field(default_factory=list)


class Config:
    names: list[str] = []
