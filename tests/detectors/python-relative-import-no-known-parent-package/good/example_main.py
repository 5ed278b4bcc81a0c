from shop.db import URL


def main():
    print(URL)


if __name__ == "__main__":
    main()
