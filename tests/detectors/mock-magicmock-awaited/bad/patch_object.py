from unittest.mock import MagicMock, patch

from app import rates


async def test_rate():
    with patch.object(rates, "fetch_rate", new=MagicMock(return_value=1.0)):
        assert await rates.price(1) == 1.0
