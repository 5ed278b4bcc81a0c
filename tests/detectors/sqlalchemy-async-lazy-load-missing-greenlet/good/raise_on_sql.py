from sqlalchemy.ext.asyncio import AsyncAttrs
from sqlalchemy.orm import DeclarativeBase, Mapped, relationship


class Base(AsyncAttrs, DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"
    books: Mapped[list["Book"]] = relationship(back_populates="author", lazy="raise_on_sql")
    reviews: Mapped[list["Review"]] = relationship(lazy="selectin")
