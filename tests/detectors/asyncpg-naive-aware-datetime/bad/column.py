from sqlalchemy import Column, DateTime, Integer


class Event:
    id = Column(Integer, primary_key=True)
    at = Column(DateTime)
