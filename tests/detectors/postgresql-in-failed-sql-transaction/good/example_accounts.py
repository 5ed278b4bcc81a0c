import psycopg


def create_accounts(conn, ids):
    for account_id in ids:
        try:
            with conn.transaction():
                conn.execute("INSERT INTO account VALUES (%s)", (account_id,))
        except psycopg.errors.UniqueViolation:
            continue


def create_one(conn, account_id):
    try:
        conn.execute("INSERT INTO account VALUES (%s)", (account_id,))
    except psycopg.Error:
        conn.rollback()
