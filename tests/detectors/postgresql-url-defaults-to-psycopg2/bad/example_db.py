engine = create_engine("postgresql://app@db.internal/app")
