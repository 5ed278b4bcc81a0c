import sqlalchemy


def make_engine(password: str):
    return sqlalchemy.create_engine(
        "postgres://reporting:" + password + "@replica.internal:5432/warehouse",
        echo=False,
    )
