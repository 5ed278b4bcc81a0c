URL = "postgresql+psycopg://app@db.internal/app?application_name=api&sslmode=require"
