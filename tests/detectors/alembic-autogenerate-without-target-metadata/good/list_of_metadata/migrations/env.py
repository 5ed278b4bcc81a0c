from alembic import context

from app.billing.models import BillingBase
from app.users.models import UsersBase

# target_metadata = None was the template's default
target_metadata = [UsersBase.metadata, BillingBase.metadata]
