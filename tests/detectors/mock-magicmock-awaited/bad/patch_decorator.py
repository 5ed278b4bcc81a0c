from unittest.mock import MagicMock, patch

from app.rates import price


@patch("app.rates.fetch_rate", new=MagicMock(return_value=2.0))
async def test_price():
    assert await price(10) == 20.0
