import os

from sqlalchemy import create_engine

url = os.environ["DATABASE_URL"]
if url.startswith("postgres://"):
    url = url.replace("postgres://", "postgresql+psycopg://", 1)
engine = create_engine(url, pool_pre_ping=True)
