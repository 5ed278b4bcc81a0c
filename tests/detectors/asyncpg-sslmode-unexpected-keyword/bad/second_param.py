URL = "postgresql+asyncpg://app@db.internal/app?application_name=api&sslmode=require"
