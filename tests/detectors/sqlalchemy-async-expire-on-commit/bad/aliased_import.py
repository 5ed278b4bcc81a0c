from sqlalchemy.ext import asyncio as sa_asyncio

Session = sa_asyncio.async_sessionmaker(bind=engine, autoflush=False)
