from unittest.mock import AsyncMock, MagicMock, patch

from app import notifier


async def test_new_callable():
    with patch("app.notifier.send_email", new_callable=AsyncMock) as send:
        await notifier.alert("disk full")
    send.assert_awaited_once()


async def test_autospec_of_async_def():
    with patch("app.notifier.send_email", return_value={"id": "msg-1"}) as send:
        await notifier.alert("disk full")
    send.assert_awaited_once()


async def test_attribute_is_plain_value():
    with patch.object(notifier, "SETTINGS", new={"retries": 0}):
        await notifier.alert("disk full")


def test_sync_client():
    client = MagicMock()
    with patch("app.notifier.client", new=client):
        notifier.alert_sync("disk full")
    client.send.assert_called_once()
