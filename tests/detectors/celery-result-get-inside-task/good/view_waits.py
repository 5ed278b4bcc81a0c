from celery import shared_task
from django.http import JsonResponse


@shared_task
def add(x, y):
    return x + y


def add_view(request):
    x = int(request.GET.get("x", 0))
    y = int(request.GET.get("y", 0))
    return JsonResponse({"sum": add.delay(x, y).get(timeout=5)})


class Report:
    def task(self):
        return add.apply_async((1, 2)).get()
