from pydantic import BaseModel


class UserOut(BaseModel):
    model_config = {"orm_mode": True}
    id: int
