"""A fresh production install without the demo, exactly as docs/deployment.md tells it: the
commands of its install block run in order on an empty database, then the first administrator
opens the printed link, sets a password, signs in, and a machine uses the printed token."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from logipool import create_app
from logipool.cli import cli
from logipool.db import make_engine
from logipool.models import Role

from ..factories import platform_token
from ..web.test_sign_in import _token

DOC = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"
PASSWORD = "a long enough password"


def documented_steps() -> list[list[str]]:
    """The shell commands of the block marked ``install-steps`` in docs/deployment.md."""
    after = DOC.read_text().split("<!-- install-steps", 1)[1]
    block = re.search(r"```sh\n(.*?)```", after, re.S).group(1)
    steps = [shlex.split(line) for line in block.splitlines() if line.strip()]
    assert steps and all(step[0] == ".venv/bin/logipool" for step in steps)
    return [step[1:] for step in steps]


@pytest.fixture
def empty_database(database_url, tmp_path):
    """A database with no table at all: a new SQLite file, or a new PostgreSQL schema."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'fresh.sqlite'}"
        return
    admin = make_engine(database_url)
    with admin.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS fresh_install CASCADE"))
        conn.execute(text("CREATE SCHEMA fresh_install"))
    sep = "&" if "?" in database_url else "?"
    yield f"{database_url}{sep}options=-csearch_path%3Dfresh_install"
    with admin.begin() as conn:
        conn.execute(text("DROP SCHEMA fresh_install CASCADE"))
    admin.dispose()


def test_the_documented_fresh_install_ends_with_an_admin_signed_in_and_a_working_token(empty_database, tmp_path):
    env = {"LOGIPOOL_DATABASE_URL": empty_database, "LOGIPOOL_SECRET_KEY": "fresh-install",
           "LOGIPOOL_EXTERNAL_URL": "https://logipool.example.org", "LOGIPOOL_LOG_LEVEL": "WARNING"}
    printed = []
    for step in documented_steps():
        result = CliRunner(env=env).invoke(cli, step, prog_name="logipool")
        assert result.exit_code == 0, (step, result.output, result.exception)
        printed.append(result.stdout.strip())
    links = [p for p in printed if p.startswith("https://logipool.example.org/invitation/")]
    assert len(links) == 2  # the first administrator's and the manager's
    token = printed[-1]
    assert token and " " not in token

    app = create_app({"DATABASE_URL": empty_database, "SECRET_KEY": "fresh-install", "TESTING": True},
                     instance_path=str(tmp_path / "instance"))
    try:
        browser = app.test_client()
        link = urlsplit(links[0]).path
        page = browser.get(link)
        assert page.status_code == 200 and "admin@coordination.example" in page.text
        done = browser.post(link, data={"password": PASSWORD, "confirm": PASSWORD, "csrf_token": _token(page.text)})
        assert done.status_code == 302
        assert browser.get(link).status_code == 404  # the link works once
        browser.post("/signout", data={"csrf_token": _token(browser.get("/").text)})

        form = browser.get("/signin").text
        signed_in = browser.post("/signin", data={"email": "admin@coordination.example", "password": PASSWORD,
                                                  "csrf_token": _token(form)})
        assert signed_in.status_code == 302
        home = browser.get("/")
        assert home.status_code == 200 and "Claire Admin" in home.text  # signed in as the administrator

        api = app.test_client()
        mine = api.get("/api/v1/coordinations/", headers={"Authorization": f"Bearer {token}"})
        assert mine.status_code == 200, mine.get_json()
        [coordination] = mine.get_json()["items"]
        assert coordination["slug"] == "pays-aubagne"
        assert (coordination["siren"], coordination["iban"], coordination["bic"]) == (
            "732829320", "FR7630006000011234567890189", "AGRIFRPP")
        users = api.get("/api/v1/users/", headers={"Authorization": f"Bearer {token}"}).get_json()["items"]
        assert {(u["email"], u["role"]) for u in users} == {("admin@coordination.example", "admin"),
                                                            ("gestion@coordination.example", "manager")}
    finally:
        app.extensions["logipool.db"].engine.dispose()


def test_creating_a_coordination_refuses_a_wrong_setting_naming_the_option(empty_database):
    env = {"LOGIPOOL_DATABASE_URL": empty_database, "LOGIPOOL_SECRET_KEY": "fresh-install"}
    runner = CliRunner(env=env)
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(cli, ["coordinations", "create", "--slug", "x1", "--name", "X", "--legal-name", "X",
                                 "--vat-regime", "outside_vat", "--iban", "FR76300060000112345678901",
                                 "--admin-email", "a@example.org"])
    assert result.exit_code == 1 and "--iban:" in result.output
    listed = runner.invoke(cli, ["users", "create", "--email", "b@example.org", "--role", "admin"])
    assert listed.exit_code == 1 and "logipool coordinations create" in listed.output  # nothing was created


def test_platform_admin_names_a_new_coordinations_first_administrator(client, world, session):
    headers = platform_token(session, world.a)
    session.commit()
    created = client.post("/api/v1/coordinations/", headers=headers, json={
        "slug": "nouvelle", "name": "Nouvelle", "legal_name": "Nouvelle coordination", "vat_regime": "outside_vat",
        "iban": "FR76 3000 6000 0112 3456 7890 189"})
    assert created.status_code == 201, created.get_json()
    url = f"/api/v1/coordinations/{created.get_json()['id']}/administrators"
    named = client.post(url, headers=headers, json={"email": "Premiere@Nouvelle.example", "name": "Première"})
    assert named.status_code == 201, named.get_json()
    body = named.get_json()
    assert body["email"] == "premiere@nouvelle.example" and body["expires_in_days"] == 7
    assert client.get(urlsplit(body["invitation_url"]).path).status_code == 200
    # an ordinary admin token of another coordination may not
    refused = client.post(url, headers=world.b.headers(Role.ADMIN), json={"email": "x@example.org"})
    assert refused.status_code == 404
