"""Sign-in, sign-out, the invitation (password-setting) link, the page language and the person's
choice of optional e-mails."""

from __future__ import annotations

from flask import g, redirect, render_template, request, session, url_for

from .. import schemas as s
from ..db import get_session
from ..services import accounts, mail, passwords
from .common import FORM_ERRORS, PageBlueprint, _, commit, flash_done, refused, save, start_session

bp = PageBlueprint("account", public=True)


def _safe_next(target: str | None) -> str:
    """Only a path of this site (never another host) is followed after signing in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("home.index")


@bp.get("/signin")
def sign_in():
    if g.principal is not None:
        return redirect(url_for("home.index"))
    return render_template("account/sign_in.html", errors={}, form={})


@bp.post("/signin")
def sign_in_post():
    try:
        data = s.SignInSchema().load({"email": request.form.get("email", ""),
                                      "password": request.form.get("password", "")})
        user = passwords.sign_in(get_session(), data["email"], data["password"])
    except passwords.SignInRefused as exc:
        commit()  # the failed attempt counts, whatever the page shows
        return render_template("account/sign_in.html", errors={"_schema": [exc.detail]},
                               form=request.form), 401
    except FORM_ERRORS as exc:
        return refused("account/sign_in.html", exc)
    grant = passwords.grant_of(get_session(), user.id)
    if grant is None:
        commit()
        return render_template("account/sign_in.html", form=request.form,
                               errors={"_schema": [_("This account has no role in a coordination yet.")]}), 403
    commit()
    start_session(user, grant)
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/signout")
def sign_out():
    session.clear()
    flash_done(_("You are signed out."))
    return redirect(url_for("account.sign_in"))


@bp.get("/invitation/<string:secret>")
def invitation(secret):
    user = passwords.invited_user(get_session(), secret)
    return render_template("account/invitation.html", user=user, errors={}, form={})


@bp.post("/invitation/<string:secret>")
def invitation_post(secret):
    user = passwords.invited_user(get_session(), secret)
    try:
        data = s.NewPasswordSchema().load({k: request.form.get(k, "") for k in ("password", "confirm")})
        user = passwords.accept_invitation(get_session(), secret, data["password"])
        grant = passwords.grant_of(get_session(), user.id)
        commit()
    except FORM_ERRORS as exc:
        return refused("account/invitation.html", exc, user=user)
    if grant is None:
        return redirect(url_for("account.sign_in"))
    start_session(user, grant)
    flash_done(_("Your password is set."))
    return redirect(url_for("home.index"))


def _signed_in():
    if g.principal is None:
        return redirect(url_for("account.sign_in", next=request.full_path if request.method == "GET" else None))
    return None


@bp.get("/account")
def preferences():
    """The optional e-mails, one checkbox each (the same choice as ``PATCH /api/v1/users/me``)."""
    return _signed_in() or render_template("account/preferences.html", choices=mail.preferences(g.web_user),
                                           errors={})


@bp.post("/account")
def preferences_post():
    if (away := _signed_in()) is not None:
        return away
    choices = mail.preferences(g.web_user)

    def write():
        data = s.MeUpdateSchema().load({"mail": {kind: kind in request.form for kind in choices}})
        return accounts.update_me(get_session(), g.principal, data)

    return save(write, then=url_for("account.preferences"), done=_("Your e-mail choices are saved."),
                refused=lambda errors, status: (render_template("account/preferences.html", choices=choices,
                                                                errors=errors), status))


@bp.post("/language")
def language():
    try:
        data = s.LanguageSchema().load({"locale": request.form.get("locale", "")})
    except FORM_ERRORS as exc:
        return refused("errors/form.html", exc)
    if g.web_user is not None:
        g.web_user.locale = data["locale"]
        commit()
    else:
        session["locale"] = data["locale"]
    return redirect(_safe_next(request.form.get("next")))
