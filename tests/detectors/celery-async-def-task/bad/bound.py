from celery import Celery

app = Celery("shop")


@app.task(bind=True)
async def charge(self, order_id):
    await pay(order_id)
