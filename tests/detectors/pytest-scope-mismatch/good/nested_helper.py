import pytest


@pytest.fixture(scope="session")
def make_config(tmp_path_factory):
    def write(tmp_path):
        return tmp_path / "app.toml"

    return write(tmp_path_factory.mktemp("cfg"))
