row = await conn.fetchrow("SELECT * FROM account WHERE id = %s", account_id)
