from fastapi import HTTPException


class WebhookRouter:
    """Routes incoming webhook events to handlers; called from a FastAPI route."""

    def __init__(self):
        self.handlers = {}

    async def dispatch(self, event):
        handler = self.handlers.get(event["type"])
        if handler is None:
            raise HTTPException(status_code=400, detail=f"unknown event {event['type']}")
        return await handler(event)


class AuthASGI:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        await self.app(scope, receive, send)
