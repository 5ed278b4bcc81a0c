from sqlalchemy.exc import IntegrityError


def import_authors(session, names):
    for name in names:
        try:
            session.add(Author(name=name))
            session.commit()
        except IntegrityError:
            continue
