from celery import shared_task


@shared_task
async def notify(user_id):
    await send_notification(user_id)
