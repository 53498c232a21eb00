"""Every setting is documented in docs/settings.md (the README's settings table), and the
documented order of precedence is the real one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kgraph import settings
from kgraph.settings import SETTINGS
from kgraph.web import create_app

DOC = Path(__file__).resolve().parents[2] / "docs" / "settings.md"
ROW = re.compile(r"^\| `(?P<name>[a-z_]+)` \| `(?P<env>[A-Z_]+)` \| (?P<default>.*?) \| (?P<help>.+) \|$")


def shown(value) -> str:
    """A default as the table shows it."""
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, (list, tuple)):
        return "`" + ",".join(map(str, value)) + "`"
    return "(empty)" if value == "" else f"`{value}`"


def row(setting) -> str:
    return f"| `{setting.name}` | `{setting.env}` | {shown(setting.default)} | {setting.help} |"


def documented() -> dict[str, re.Match]:
    return {m["name"]: m for m in map(ROW.match, DOC.read_text(encoding="utf-8").splitlines()) if m}


def test_every_setting_is_documented():
    missing = [row(s) for s in SETTINGS if s.name not in documented()]
    assert not missing, "add these rows to docs/settings.md:\n" + "\n".join(missing)


def test_no_stale_rows():
    stale = sorted(documented().keys() - {s.name for s in SETTINGS})
    assert not stale, f"docs/settings.md documents settings that no longer exist: {stale}"


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_each_row_matches_the_declaration(setting):
    found = documented().get(setting.name)
    if found is None:
        pytest.skip("reported by test_every_setting_is_documented")
    assert found["env"] == setting.env
    assert found["default"] == shown(setting.default), f"expected:\n{row(setting)}"
    assert found["help"].strip(), "every setting says what it does"


def test_precedence(tmp_path):
    config = tmp_path / "kgraph.toml"
    config.write_text('port = 9001\nworkers = 5\nthreads = 7\ncors_origins = ["https://a.example"]\n')
    environ = {"KGRAPH_WORKERS": "6", "KGRAPH_THREADS": "8"}
    values = settings.resolve(config, {"threads": 9, "host": None}, environ)
    assert (values["host"], values["port"], values["workers"], values["threads"]) == ("127.0.0.1", 9001, 6, 9)
    assert values["cors_origins"] == ["https://a.example"]


def test_an_unknown_setting_in_the_config_file_is_an_error(tmp_path):
    config = tmp_path / "kgraph.toml"
    config.write_text("prot = 9001\n")
    with pytest.raises(ValueError, match="unknown setting.*prot"):
        settings.resolve(config, environ={})


def test_the_app_reads_the_environment(monkeypatch, store):
    monkeypatch.setenv("KGRAPH_CORS_ORIGINS", "https://a.example,https://b.example")
    monkeypatch.setenv("KGRAPH_TIMEOUT", "5")
    app = create_app(store=store)
    assert app.config["CORS_ORIGINS"] == ["https://a.example", "https://b.example"]
    assert app.config["TIMEOUT"] == 5
    assert app.config["DEFAULT_LANG"] == "en"
