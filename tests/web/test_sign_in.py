"""Sign-in to the pages without a browser: the lock after failed attempts, invitation links,
the session cookie's flags, CSRF, scoping, the language and the money format."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from logipool.models import StorageBooking, User
from logipool.services import passwords

PASSWORD = "correct horse battery"


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _user(session, email):
    return session.scalars(select(User).where(User.email == email)).one()


def _with_password(app, email):
    db = app.extensions["logipool.db"]
    with db.session() as s:
        passwords.set_password(_user(s, email), PASSWORD)
        s.commit()


def _sign_in(client, email, password=PASSWORD):
    token = _token(client.get("/signin").text)
    return client.post("/signin", data={"email": email, "password": password, "csrf_token": token})


def _some_rep(session) -> str:
    from logipool.models import Role, RoleGrant

    return session.scalars(select(User.email).join(RoleGrant).where(RoleGrant.role == Role.MEMBER_REP)
                           .order_by(User.id)).first()


def test_the_account_locks_after_five_failed_attempts_even_with_the_right_password(app, client, world, session):
    email = _some_rep(session)
    session.rollback()
    _with_password(app, email)
    for _ in range(passwords.MAX_FAILED):
        assert _sign_in(client, email, "wrong password!").status_code == 401
    refused = _sign_in(client, email)
    assert refused.status_code == 401 and "bloqué" in refused.text
    session.rollback()
    assert _user(session, email).locked_until is not None


def test_a_right_password_signs_in_with_a_secure_http_only_cookie_and_sign_out_ends_it(app, client, world, session):
    email = _some_rep(session)
    session.rollback()
    _with_password(app, email)
    response = _sign_in(client, email)
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    home = client.get("/")
    assert home.status_code == 200
    client.post("/signout", data={"csrf_token": _token(home.text)})
    assert client.get("/").status_code == 302


def test_an_unknown_email_and_a_wrong_password_answer_the_same(app, client, world, session):
    email = _some_rep(session)
    session.rollback()
    _with_password(app, email)
    unknown = _sign_in(client, "nobody@example.org", "whatever password")
    wrong = _sign_in(client, email, "whatever password")
    message = "ne correspondent à aucun compte"
    assert unknown.status_code == wrong.status_code == 401
    assert message in unknown.text and message in wrong.text


def test_the_cli_prints_an_invitation_link_that_sets_the_password_once(app, client, runner, world, session):
    email = _some_rep(session)
    session.rollback()
    result = runner.invoke(args=["users", "invite", "--email", email])
    assert result.exit_code == 0, result.output
    link = re.search(r"http://\S+/invitation/(\S+)", result.output)
    path = f"/invitation/{link.group(1)}"
    page = client.get(path)
    assert page.status_code == 200 and email in page.text
    short = client.post(path, data={"password": "short", "confirm": "short", "csrf_token": _token(page.text)})
    assert short.status_code == 422 and "10 caractères" in short.text
    done = client.post(path, data={"password": PASSWORD, "confirm": PASSWORD, "csrf_token": _token(page.text)})
    assert done.status_code == 302
    assert client.get(path).status_code == 404  # single use
    assert _sign_in(app.test_client(), email).status_code == 302


def test_a_post_without_the_csrf_token_is_refused_and_writes_nothing(app, client, world, session):
    email = _some_rep(session)
    session.rollback()
    _with_password(app, email)
    _sign_in(client, email)
    response = client.post("/storage/bookings", data={"zone_id": "1", "pallets": "1",
                                                      "start": "2030-01-07T08:00", "end": "2030-01-08T08:00"})
    assert response.status_code == 400 and "text/html" in response.content_type
    assert session.scalar(select(func.count()).select_from(StorageBooking)) == 0


def test_pages_in_english_for_a_user_who_chose_it_and_money_in_the_locale(app, client, world, session):
    from logipool.web.formatting import money

    email = _some_rep(session)
    session.rollback()
    _with_password(app, email)
    _sign_in(client, email)
    home = client.get("/")
    assert "Réservations de la semaine" in home.text
    client.post("/language", data={"locale": "en_GB", "csrf_token": _token(home.text), "next": "/"})
    assert "Bookings this week" in client.get("/").text
    with app.test_request_context():
        assert money(123456).replace("\u202f", " ").replace("\xa0", " ") == "1 234,56 €"
        assert money("0.05").replace("\xa0", " ") == "0,05 €"


def test_an_unknown_page_is_an_html_page_for_browsers_and_json_for_the_api(client):
    page = client.get("/nowhere", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 404 and "text/html" in page.content_type
    api = client.get("/api/v1/nowhere", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.content_type == "application/problem+json"


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/treasury/invoices/")
    assert response.status_code == 302 and "/signin" in response.headers["Location"]


def test_an_administrator_creates_an_invitation_link_through_the_api_and_others_may_not(client, world):
    from logipool.models import Role

    target = world.a.user_ids[Role.TREASURER]
    admin = client.post(f"/api/v1/users/{target}/invitation", headers=world.a.headers(Role.ADMIN))
    assert admin.status_code == 201, admin.json
    path = "/invitation/" + admin.json["url"].rsplit("/invitation/", 1)[1]
    assert path.startswith("/invitation/inv_") and client.get(path).status_code == 200
    manager = client.post(f"/api/v1/users/{target}/invitation", headers=world.a.headers(Role.MANAGER))
    assert manager.status_code == 403
    elsewhere = client.post(f"/api/v1/users/{target}/invitation", headers=world.b.headers(Role.ADMIN))
    assert elsewhere.status_code == 404
