from sqlalchemy import select


def get_titles(session):
    return session.execute(select(Book.title)).scalars().all()
