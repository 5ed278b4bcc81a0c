from sqlalchemy.ext.asyncio import create_async_engine


def make_engine(host):
    return create_async_engine(f"mysql+pymysql://app@{host}/app")
