from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")
    database_url: str


class Other(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_")
