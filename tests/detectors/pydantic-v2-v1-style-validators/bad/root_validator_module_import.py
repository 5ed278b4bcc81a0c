import pydantic


class Signup(pydantic.BaseModel):
    password: str
    confirm: str

    @pydantic.root_validator(skip_on_failure=True)
    def same(cls, values):
        return values
