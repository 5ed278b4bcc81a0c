from unittest.mock import AsyncMock, MagicMock, patch

from app.rates import price, price_sync


async def test_price():
    with patch("app.rates.fetch_rate", new=AsyncMock(return_value=2.0)):
        assert await price(10) == 20.0


def test_price_sync():
    with patch("app.rates.fetch_rate_sync", new=MagicMock(return_value=2.0)):
        assert price_sync(10) == 20.0
