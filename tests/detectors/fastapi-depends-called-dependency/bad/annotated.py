from typing import Annotated

from fastapi import Depends


def get_settings():
    yield load_settings()


Settings = Annotated[dict, Depends(get_settings())]
