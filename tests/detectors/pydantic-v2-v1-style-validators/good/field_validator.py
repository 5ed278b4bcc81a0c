from pydantic import BaseModel, field_validator, model_validator


class Order(BaseModel):
    quantity: int

    @field_validator("quantity")
    @classmethod
    def positive(cls, v):
        return v

    @model_validator(mode="after")
    def check(self):
        return self
