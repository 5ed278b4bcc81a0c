from contextlib import contextmanager

import fastapi


@contextmanager
def get_conn():
    conn = pool.getconn()
    try:
        yield conn
    finally:
        pool.putconn(conn)


def list_items(conn=fastapi.Depends(get_conn)):
    return conn.execute("select 1")
