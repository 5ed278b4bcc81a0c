from sqlalchemy import text


def purge(engine):
    with engine.connect() as conn:
        conn.execute(text("DELETE FROM job"))
        conn.commit()
