from fastapi import FastAPI


def create_app():
    app = FastAPI(lifespan=lifespan)

    @app.on_event("startup")
    async def connect():
        await db.connect()

    return app
