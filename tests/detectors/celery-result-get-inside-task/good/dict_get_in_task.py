from celery import shared_task


@shared_task
def notify(user_id, settings):
    channel = settings.get("channel", "email")
    result = send.delay(user_id, channel)
    return result.id


@shared_task
def send(user_id, channel):
    return f"{channel}:{user_id}"
