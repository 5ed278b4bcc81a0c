import logging


def save(session, obj):
    try:
        session.add(obj)
        session.flush()
    except Exception:
        logging.exception("save failed")
