def test_without_token(monkeypatch):
    monkeypatch.delenv("API_TOKEN", raising=False)
    assert True
