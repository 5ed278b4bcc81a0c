def save(session, obj):
    try:
        session.add(obj)
        session.commit()
    except Exception:
        session.rollback()
        raise
