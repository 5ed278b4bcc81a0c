from __future__ import annotations

import sys

from shop.db import URL


def main(argv: list[str]) -> int:
    print(URL, argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
