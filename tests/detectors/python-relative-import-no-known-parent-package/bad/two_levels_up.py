from ..config import settings
from .jobs import run_all


def main() -> None:
    run_all(settings)


if "__main__" == __name__:
    main()
