from unittest import mock

from app import rates


async def test_rate():
    with mock.patch.object(rates, "fetch_rate", new=mock.AsyncMock(return_value=1.0)):
        assert await rates.price(1) == 1.0


async def test_rate_side_effect():
    fetch = mock.AsyncMock(side_effect=TimeoutError)
    with mock.patch.object(rates, "fetch_rate", fetch):
        assert await rates.price_or_default(1) == 0.0
