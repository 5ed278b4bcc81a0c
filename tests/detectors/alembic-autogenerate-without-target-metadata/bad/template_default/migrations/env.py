from logging.config import fileConfig

from alembic import context

config = context.config
fileConfig(config.config_file_name)

# add your model's MetaData object here
# for 'autogenerate' support
target_metadata = None  # from myapp import mymodel; target_metadata = mymodel.Base.metadata
