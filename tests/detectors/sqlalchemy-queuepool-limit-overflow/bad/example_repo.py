from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import engine
from app.models import Order


def open_orders():
    session = Session(engine)
    return session.scalars(select(Order).where(Order.open)).all()
