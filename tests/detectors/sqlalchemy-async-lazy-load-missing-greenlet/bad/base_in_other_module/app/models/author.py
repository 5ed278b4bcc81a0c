from sqlalchemy.orm import Mapped, relationship

from app.db.base import Base


class Author(Base):
    __tablename__ = "authors"
    books: Mapped[list["Book"]] = relationship(back_populates="author")
