DATABASE_URL = "postgresql+asyncpg://app@db.internal/app?sslmode=require"
