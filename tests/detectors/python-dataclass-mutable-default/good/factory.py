import dataclasses


@dataclasses.dataclass(frozen=True)
class Options:
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
