async def load(conn, account_id):
    return await conn.fetchval("SELECT name FROM account WHERE id = $1", account_id)
