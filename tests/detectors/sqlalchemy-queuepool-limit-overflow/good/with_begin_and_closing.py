from contextlib import closing

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import engine
from app.models import Order


def mark_paid(order_id: int) -> None:
    with Session(engine) as session, session.begin():
        session.get(Order, order_id).paid = True


def open_orders():
    with closing(Session(engine)) as session:
        return session.scalars(select(Order).where(Order.open)).all()
