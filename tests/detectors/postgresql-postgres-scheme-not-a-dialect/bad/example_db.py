engine = create_engine("postgres://app@db.internal/app")
