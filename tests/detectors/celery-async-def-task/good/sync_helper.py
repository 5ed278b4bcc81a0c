from celery import Celery

app = Celery("shop")


async def pay(order_id):
    return order_id


@app.task
def charge(order_id):
    return order_id
