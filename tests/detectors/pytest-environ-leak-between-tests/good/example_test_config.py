import os

from app.config import log_level


def test_debug_level(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "debug")
    assert log_level() == "debug"


def setup_env():
    os.environ["LOG_LEVEL"] = "info"
