def close_jobs(db):
    db.execute("UPDATE job SET state = 'closed'")
