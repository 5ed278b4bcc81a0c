from unittest.mock import patch

from app.signup import signup


def test_signup_sends_mail():
    with patch("app.signup.send") as send:
        signup("ada@example.com")
        send.called_once_with("ada@example.com")
