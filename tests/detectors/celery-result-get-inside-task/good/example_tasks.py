from celery import Celery, chord

app = Celery("app")


@app.task
def add(x, y):
    return x + y


@app.task
def total(xs):
    return chord(add.s(x, 0) for x in xs)(collect.s()).id


def report(xs):
    return add.delay(1, 2).get(timeout=5)
