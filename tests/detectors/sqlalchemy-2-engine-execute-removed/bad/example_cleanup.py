engine.execute("DELETE FROM job WHERE done")
