import pydantic


class Settings(pydantic.BaseSettings):
    debug: bool = False
