with engine.begin() as conn:
    conn.execute(text("DELETE FROM job WHERE done"))
