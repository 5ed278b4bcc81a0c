import psycopg


def create_accounts(conn, ids):
    for account_id in ids:
        try:
            conn.execute("INSERT INTO account VALUES (%s)", (account_id,))
        except psycopg.errors.UniqueViolation:
            continue
