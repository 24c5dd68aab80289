"""The words of the pages: the services' refusals in the page's language, a word for every
allocation key, and a French catalogue that compiles as it is and matches its compiled file."""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from babel.messages.pofile import read_po
from sqlalchemy import func, select

from logipool import schemas
from logipool.models import Role, StorageBooking
from logipool.web import labels, messages

from ..factories import make_zone
from .test_sign_in import _sign_in, _token, _with_password

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "logipool" / "translations" / "fr" / "LC_MESSAGES"


def _french():
    with (CATALOGUE / "messages.po").open("rb") as f:
        return read_po(f)


def test_a_services_refusal_reads_in_the_pages_language(app, client, world, session):
    """A refusal worded by the storage service (not by the schema) shows in French on a French
    page and in English on an English one, by the field, and nothing is written."""
    zone = make_zone(session, world.a.coordination, capacity=10)
    session.commit()
    email = f"{Role.MEMBER_REP.value}@{world.a.coordination.slug}.example"
    _with_password(app, email)
    _sign_in(client, email)
    start = date.today() + timedelta(days=3)
    form = {"zone_id": str(zone.id), "pallets": "50", "start": f"{start}T08:00",
            "end": f"{start + timedelta(days=2)}T08:00"}
    page = client.get("/storage/")
    refused = client.post("/storage/bookings", data={**form, "csrf_token": _token(page.text)})
    assert refused.status_code == 422
    assert "La zone Froid positif compte 10 emplacements de palette en tout." in refused.text
    assert "pallet positions in all" not in refused.text
    client.post("/language", data={"locale": "en_GB", "csrf_token": _token(page.text), "next": "/"})
    refused = client.post("/storage/bookings", data={**form, "csrf_token": _token(page.text)})
    assert "Zone Froid positif has 10 pallet positions in all." in refused.text
    session.rollback()
    assert session.scalar(select(func.count()).select_from(StorageBooking)) == 0


def test_a_message_with_values_is_found_by_its_template_and_a_fields_prefix_is_kept(app):
    with app.test_request_context():
        from flask_babel import force_locale

        with force_locale("fr_FR"):
            said = ("The vehicle is already booked then (booking 12, 2026-12-09 07:00–2026-12-09 11:45 UTC "
                    "with its buffer).")
            assert messages.translate(said) == ("Le véhicule est déjà réservé à ce moment-là (réservation 12, "
                                                "2026-12-09 07:00–2026-12-09 11:45 UTC avec sa marge).")
            assert messages.translate("start: This is in the past: only staff record past bookings.") == (
                "start: C'est dans le passé : seule l'équipe de la coordination enregistre des réservations passées.")
            assert messages.translate("Something no page has shown before.") == "Something no page has shown before."


def _keys_written_by_the_services() -> set[str]:
    """Every allocation key a service writes: the literals given as ``allocation_key=`` and the
    keys the schemas let a caller choose."""
    keys = set(schemas.FEE_KEYS) | set(schemas.SHARE_METHODS)
    for path in (ROOT / "logipool" / "services").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and node.arg == "allocation_key" and isinstance(node.value, ast.Constant):
                keys.add(node.value.value)
    storage_keys = ast.parse((ROOT / "logipool" / "schemas" / "storage.py").read_text())
    for node in ast.walk(storage_keys):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "OneOf":
            values = [e.value for e in getattr(node.args[0], "elts", []) if isinstance(e, ast.Constant)]
            if "pallet_days" in values:
                keys |= set(values)
    return keys


def test_every_allocation_key_has_a_word_in_french(app):
    keys = _keys_written_by_the_services()
    assert {"received_quantity", "pallet_days", "usage", "shapley", "weight"} <= keys
    assert keys - set(labels.ALLOCATION_KEY) == set()
    french = {m.id: m.string for m in _french() if m.id}
    for key in keys:
        word = labels.ALLOCATION_KEY[key]._args[0]
        assert french.get(word), f"{key}: {word!r} has no French"
    with app.test_request_context():
        from flask_babel import force_locale

        with force_locale("fr_FR"):
            assert labels.label("received_quantity", labels.ALLOCATION_KEY) == "quantité reçue"


def test_every_reason_a_need_falls_short_has_a_word_in_french():
    from purchasing.allocation import Reason

    reasons = {v for k, v in vars(Reason).items() if k.isupper()}
    assert reasons and reasons - set(labels.REASON) == set()
    french = {m.id: m.string for m in _french() if m.id}
    assert all(french.get(word._args[0]) for word in labels.REASON.values())


def test_every_service_message_a_page_shows_has_french_with_the_same_values():
    french = {m.id: m.string for m in _french() if m.id}
    for template in messages.TEMPLATES:
        assert french.get(template), f"no French for {template!r}"
        assert sorted(re.findall(r"%\((\w+)\)s", french[template])) == sorted(re.findall(r"%\((\w+)\)s", template))


def test_the_french_catalogue_compiles_without_force_and_its_compiled_file_is_current(tmp_path):
    catalogue = _french()
    assert not catalogue.fuzzy and not [m.id for m in catalogue if m.id and m.fuzzy]
    work = tmp_path / "fr" / "LC_MESSAGES"
    work.mkdir(parents=True)
    shutil.copy(CATALOGUE / "messages.po", work / "messages.po")
    pybabel = Path(sys.executable).with_name("pybabel")
    done = subprocess.run([str(pybabel), "compile", "-d", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 0 and "fuzzy" not in done.stderr + done.stdout, done.stderr
    with (work / "messages.mo").open("rb") as fresh, (CATALOGUE / "messages.mo").open("rb") as kept:
        assert gettext.GNUTranslations(kept)._catalog == gettext.GNUTranslations(fresh)._catalog
