from starlette.applications import Starlette
from starlette.middleware.trustedhost import TrustedHostMiddleware

from app.settings import load_allowed_hosts


async def configure_hosts():
    hosts = await load_allowed_hosts()
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)


app = Starlette(on_startup=[configure_hosts])
