from shop.db import URL

if __name__ == "__main__":
    print(URL)
