import pytest


@pytest.fixture(scope="session")
def config_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("config") / "app.toml"
    path.write_text("debug = true")
    return path


@pytest.fixture(scope="session")
def settings_env():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("APP_ENV", "test")
        yield
