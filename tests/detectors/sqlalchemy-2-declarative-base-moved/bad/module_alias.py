import sqlalchemy.ext.declarative as dec

Base = dec.declarative_base()
