from pydantic import BaseModel, Field


class Sku(BaseModel):
    code: str = Field(regex=r"^[A-Z]{3}-\d{4}$")
