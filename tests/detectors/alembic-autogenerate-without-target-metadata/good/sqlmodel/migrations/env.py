from sqlmodel import SQLModel

from alembic import context

import app.models  # noqa: F401  registers the tables on SQLModel.metadata

config = context.config

target_metadata = SQLModel.metadata
render_as_batch = None


def include_object(obj, name, type_, reflected, compare_to):
    return not (type_ == "table" and name.startswith("tmp_"))
