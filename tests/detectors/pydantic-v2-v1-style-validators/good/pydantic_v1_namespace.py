from pydantic.v1 import BaseModel, validator


class Legacy(BaseModel):
    quantity: int

    @validator("quantity")
    def positive(cls, v):
        return v
