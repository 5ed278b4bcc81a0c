from pydantic.v1 import BaseSettings


class LegacySettings(BaseSettings):
    database_url: str
