import asyncio

from celery import shared_task


@shared_task
def notify(user_id):
    return asyncio.run(send_notification(user_id))
