from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from app.models import User

engine = create_engine("postgresql+psycopg://app@db/app", pool_size=5, max_overflow=10)
app = FastAPI()


def get_db():
    yield Session(engine)


@app.get("/users/{user_id}")
def read_user(user_id: int, db: Session = Depends(get_db)):
    return db.scalar(select(User).where(User.id == user_id))
