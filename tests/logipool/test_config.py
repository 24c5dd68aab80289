import pytest

from logipool import create_app
from logipool.config import ConfigError


def test_defaults_then_environment_then_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("LOGIPOOL_TIMEZONE", "Europe/Brussels")
    monkeypatch.setenv("LOGIPOOL_LOCALE", "en_GB")
    monkeypatch.setenv("LOGIPOOL_PAGE_SIZE_MAX", "100")
    app = create_app({"LOCALE": "fr_FR"}, instance_path=str(tmp_path))
    assert app.config["TIMEZONE"] == "Europe/Brussels"  # environment beats default
    assert app.config["LOCALE"] == "fr_FR"  # override beats environment
    assert app.config["PAGE_SIZE_MAX"] == 100  # environment values are parsed as JSON
    assert app.config["LOG_FORMAT"] == "text"  # default


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("LOGIPOOL_DATABASE_URL", raising=False)
    app = create_app(instance_path=str(tmp_path))
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'logipool.sqlite'}"


def test_secret_key_is_generated_once_and_kept_private(monkeypatch, tmp_path):
    monkeypatch.delenv("LOGIPOOL_SECRET_KEY", raising=False)
    first = create_app(instance_path=str(tmp_path)).config["SECRET_KEY"]
    second = create_app(instance_path=str(tmp_path)).config["SECRET_KEY"]
    key_file = tmp_path / "secret_key"
    assert first == second == key_file.read_text().strip()
    assert len(first) == 64
    assert key_file.stat().st_mode & 0o077 == 0


def test_secret_key_from_environment_is_not_written(monkeypatch, tmp_path):
    monkeypatch.setenv("LOGIPOOL_SECRET_KEY", "from-env")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SECRET_KEY"] == "from-env"
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("TIMEZONE", "Mars/Olympus", "time zone"),
        ("LOCALE", "xx_XX", "not supported"),
        ("DATABASE_URL", "mysql://x", "sqlite"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT"),
    ],
)
def test_bad_settings_fail_at_start_with_a_clear_message(tmp_path, setting, value, message):
    with pytest.raises(ConfigError, match=message):
        create_app({setting: value}, instance_path=str(tmp_path))
