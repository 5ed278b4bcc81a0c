from pydantic import BaseModel, ConfigDict


class UserOut(BaseModel):
    # migrated from orm_mode
    model_config = ConfigDict(from_attributes=True)
    orm_mode_note: str = "see the migration guide"
