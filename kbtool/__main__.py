"""``python -m kbtool`` and the ``kbtool`` console script."""

from __future__ import annotations


def main() -> None:
    from kbtool.cli import run

    run()


if __name__ == "__main__":
    main()
