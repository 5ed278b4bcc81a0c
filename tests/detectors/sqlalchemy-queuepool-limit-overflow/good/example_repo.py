from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import engine
from app.models import Order


def open_orders():
    with Session(engine) as session:
        return session.scalars(select(Order).where(Order.open)).all()


def get_db():
    session = Session(engine)
    try:
        yield session
    finally:
        session.close()
