DATABASE_URL = "postgresql+asyncpg://app@db.internal/app?ssl=require"
SYNC_URL = "postgresql+psycopg://app@db.internal/app?sslmode=require"
