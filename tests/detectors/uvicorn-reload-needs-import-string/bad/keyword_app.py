import uvicorn

from app.main import app

uvicorn.run(app=app, reload=True, port=8000)
