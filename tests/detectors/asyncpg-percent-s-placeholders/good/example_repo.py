row = await conn.fetchrow("SELECT * FROM account WHERE id = $1", account_id)
cur.execute("SELECT * FROM account WHERE id = %s", (account_id,))
