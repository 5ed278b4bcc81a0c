from unittest.mock import MagicMock, patch

import pytest

from app.service import checkout


@pytest.fixture
async def no_payments():
    with patch("app.service.charge_card", new=MagicMock(return_value={"status": "ok"})) as charge:
        yield charge


async def test_checkout(no_payments):
    assert (await checkout(cart_id=1))["status"] == "ok"
