import pytest


@pytest.fixture(scope="session")
def config_file(tmp_path):
    path = tmp_path / "app.toml"
    path.write_text("debug = true")
    return path
