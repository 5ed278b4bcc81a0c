from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import JSONResponse
from starlette.routing import Route


async def enable_gzip(request):
    request.app.add_middleware(GZipMiddleware, minimum_size=500)
    return JSONResponse({"gzip": True})


app = Starlette(routes=[Route("/admin/gzip", enable_gzip, methods=["POST"])])
