from sqlalchemy.orm import Session, sessionmaker


def count(engine, stmt):
    session = Session(engine)
    try:
        return session.scalar(stmt)
    finally:
        session.close()


SessionLocal = sessionmaker()  # a factory, not a Session


def other(engine, stmt):
    with SessionLocal(bind=engine) as session:
        return session.scalar(stmt)
