from sqlalchemy.orm import sessionmaker

SessionFactory = sessionmaker(engine)
