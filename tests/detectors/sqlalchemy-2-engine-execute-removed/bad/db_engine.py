def purge(db_engine):
    db_engine.execute("DELETE FROM job")
