import os


def test_without_token():
    os.environ.pop("API_TOKEN", None)
    assert True
