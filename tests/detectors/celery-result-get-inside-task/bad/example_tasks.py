from celery import Celery

app = Celery("app")


@app.task
def add(x, y):
    return x + y


@app.task
def total(xs):
    return sum(add.delay(x, 0).get(timeout=5) for x in xs)
