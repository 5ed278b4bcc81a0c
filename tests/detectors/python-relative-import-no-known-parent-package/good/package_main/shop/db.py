URL = "sqlite:///shop.db"
