from celery import chain, shared_task

from app.cache import cache


@shared_task
def fetch_rate(currency):
    return cache.get(f"rate:{currency}") or 1.0


@shared_task
def apply_rate(rate, amount):
    return amount * rate


@shared_task
def convert(amount, currency, options):
    retries = options.get("retries", 3)
    result = chain(fetch_rate.s(currency), apply_rate.s(amount)).apply_async(retries=retries)
    return result.id
