import httpx

client = httpx.Client(timeout=httpx.Timeout(10.0, connect=3.0))


def yearly_report(base):
    return client.get(f"{base}/reports/yearly", timeout=120).json()


def ping(base):
    return httpx.get(f"{base}/health", timeout=2).status_code
