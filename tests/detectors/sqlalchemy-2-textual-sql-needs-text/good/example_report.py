from sqlalchemy import text


def count_authors(session):
    return session.execute(text("SELECT count(*) FROM author")).scalar()


def raw(cursor):
    cursor.execute("SELECT 1")
