from dataclasses import dataclass


@dataclass
class Cart:
    items: list[str] = []
