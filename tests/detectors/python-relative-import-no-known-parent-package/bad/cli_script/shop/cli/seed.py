import sys

from ..db import URL


def seed(count: int) -> None:
    print(f"seeding {count} rows into {URL}")


if "__main__" == __name__:
    seed(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
