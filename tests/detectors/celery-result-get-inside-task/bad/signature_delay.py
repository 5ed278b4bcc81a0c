from celery import shared_task


@shared_task
def fetch_rate(currency):
    return {"EUR": 1.0, "USD": 1.1}[currency]


@shared_task(name="billing.convert")
def convert(amount, currency):
    rate = fetch_rate.s(currency).delay().get(timeout=10, propagate=True)
    return amount * rate
