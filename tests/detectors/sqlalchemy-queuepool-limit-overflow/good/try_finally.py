from sqlalchemy.orm import Session

from app.db import engine
from app.models import Order


def import_orders(rows) -> int:
    session = Session(engine)
    try:
        session.add_all(Order(**row) for row in rows)
        session.commit()
        return len(rows)
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()
