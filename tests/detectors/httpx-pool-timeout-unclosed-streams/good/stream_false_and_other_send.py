import smtplib

import httpx


def post_json(client: httpx.Client, url: str, payload: dict) -> dict:
    request = client.build_request("POST", url, json=payload)
    return client.send(request, stream=False).json()


def notify(message, host: str) -> None:
    smtp = smtplib.SMTP(host)
    smtp.send_message(message)
    smtp.quit()


def push(queue, body: bytes) -> None:
    queue.send(body, stream=None)
