from alembic import context

from app.billing.models import BillingBase
from app.models import Base

config = context.config

# add your model's MetaData object here
# for 'autogenerate' support
# target_metadata = None
target_metadata = [Base.metadata, BillingBase.metadata]


def run_migrations_online() -> None:
    with config.attributes["connection"] as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
