from unittest import mock


def test_sends():
    send = mock.Mock()
    send(1)
    send.assert_called_once()
    assert send.called
