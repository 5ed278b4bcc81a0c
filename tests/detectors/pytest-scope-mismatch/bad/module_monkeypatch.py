import pytest


@pytest.fixture(scope="module")
def settings(monkeypatch):
    monkeypatch.setenv("APP_ENV", "test")
    return load_settings()
