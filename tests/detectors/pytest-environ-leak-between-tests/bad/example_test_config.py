import os

from app.config import log_level


def test_debug_level():
    os.environ["LOG_LEVEL"] = "debug"
    assert log_level() == "debug"


def test_region():
    os.environ.update({"REGION": "eu"})
