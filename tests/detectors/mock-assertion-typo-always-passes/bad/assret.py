from unittest import mock


def test_sends():
    send = mock.Mock()
    send(1)
    send.assret_called_with(1)
