from .db import URL


def main() -> None:
    print(URL)
