async def get_user(db, user_id):
    user = db.query(User).get(user_id)
    return user
