from pydantic.env_settings import BaseSettings


class Settings(BaseSettings):
    redis_url: str
