from sqlalchemy.orm import Session


class Repo:
    def __init__(self, engine):
        self.engine = engine

    def count(self, stmt):
        session = Session(bind=self.engine)
        return session.scalar(stmt)
