engine = create_engine("postgresql+psycopg://app@db.internal/app")
