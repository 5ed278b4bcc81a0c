from unittest.mock import AsyncMock, MagicMock, patch

from app import rates


def test_rate_sync():
    with patch.object(rates, "load_table", new=MagicMock(return_value={"EUR": 1.0})):
        assert rates.table()["EUR"] == 1.0


async def test_rate_async():
    with patch("app.rates.fetch_rate", new=AsyncMock(return_value=2.0)):
        assert await rates.price(10) == 20.0
