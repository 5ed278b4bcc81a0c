import unittest.mock as mock

import pytest

from app import notifier


@pytest.mark.asyncio
async def test_sends_alert():
    with mock.patch("app.notifier.send_email", new=mock.Mock(return_value={"id": "msg-1"})) as send:
        await notifier.alert("disk full")
    send.assert_called_once()
