from celery import Celery, group

app = Celery("reports")


@app.task
def render_page(report_id, page):
    return f"{report_id}:{page}"


@app.task(bind=True, max_retries=3)
def render_report(self, report_id, pages):
    job = group(render_page.s(report_id, p) for p in range(pages))
    parts = job.apply_async().get(timeout=60)
    return "".join(parts)
