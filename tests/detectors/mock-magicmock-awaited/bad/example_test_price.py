from unittest.mock import MagicMock, patch

from app.rates import price


async def test_price():
    with patch("app.rates.fetch_rate", new=MagicMock(return_value=2.0)):
        assert await price(10) == 20.0
