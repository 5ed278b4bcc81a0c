from pydantic import BaseModel, validator


class Order(BaseModel):
    quantity: int

    @validator("quantity")
    def positive(cls, v):
        return v
