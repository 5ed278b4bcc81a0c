from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, relationship, sessionmaker

engine = create_engine("postgresql+psycopg://app@db/app")
SessionLocal = sessionmaker(engine)


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"
    books: Mapped[list["Book"]] = relationship(back_populates="author")
