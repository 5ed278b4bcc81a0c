import httpx


def yearly_report(base):
    return httpx.get(f"{base}/reports/yearly").json()
