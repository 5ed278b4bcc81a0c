import sqlite3


def rows(path):
    cur = sqlite3.connect(path).cursor()
    cur.execute("SELECT 1")
    return cur.fetchall()
