import dataclasses


@dataclasses.dataclass(frozen=True)
class Options:
    headers: dict[str, str] = {}
