import psycopg2


def insert(cur, row):
    try:
        cur.execute("INSERT INTO t VALUES (%s)", (row,))
    except psycopg2.Error:
        pass
