async def rename(session, author, name):
    author.name = name
    session.commit()
