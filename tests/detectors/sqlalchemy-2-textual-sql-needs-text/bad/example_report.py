def count_authors(session):
    return session.execute("SELECT count(*) FROM author").scalar()


def count_books(conn, table):
    return conn.execute(f"SELECT count(*) FROM {table}").scalar()
