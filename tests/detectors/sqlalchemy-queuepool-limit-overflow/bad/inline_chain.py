from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import engine
from app.models import Order


def order_count() -> int:
    return Session(engine).scalar(select(func.count()).select_from(Order))


def handle(event, context):
    session = Session(engine, expire_on_commit=False)
    session.add(Order(id=event["id"]))
    session.commit()
    return {"ok": True}
