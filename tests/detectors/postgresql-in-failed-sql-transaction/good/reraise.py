import psycopg


def insert(conn, row):
    try:
        conn.execute("INSERT INTO t VALUES (%s)", (row,))
    except psycopg.Error as exc:
        raise RuntimeError(row) from exc
