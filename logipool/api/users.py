"""Users of the coordination and their role."""

from __future__ import annotations

from flask import current_app, url_for
from flask.views import MethodView

from .. import schemas as s
from ..auth import current
from ..db import get_session
from ..security import external_url
from ..services import accounts as svc
from ..services import passwords, privacy
from .common import ApiBlueprint, commit

blp = ApiBlueprint("users", "users", "People who use the coordination, with their role here.")


@blp.route("/")
class Users(MethodView):
    @blp.arguments(s.UserQuery, location="query")
    @blp.response(200, s.page_of(s.UserSchema))
    def get(self, args):
        return svc.list_users(get_session(), current(), args)

    @blp.arguments(s.UserSchema)
    @blp.response(201, s.UserSchema)
    def post(self, data):
        view = svc.create_user(get_session(), current(), data)
        commit()
        return view


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, s.MeSchema)
    def get(self):
        """The user the token belongs to, with its role here."""
        return svc.get_me(get_session(), current())

    @blp.arguments(s.MeUpdateSchema)
    @blp.response(200, s.MeSchema)
    def patch(self, data):
        """Change your own name, language (pages and e-mails) and which optional e-mails you get."""
        view = svc.update_me(get_session(), current(), data)
        commit()
        return view


@blp.route("/<int:user_id>")
class UserItem(MethodView):
    @blp.response(200, s.UserSchema)
    def get(self, user_id):
        return svc.get_user(get_session(), current(), user_id)

    @blp.arguments(s.UserUpdateSchema(partial=True))
    @blp.response(200, s.UserSchema)
    def patch(self, data, user_id):
        view = svc.update_user(get_session(), current(), user_id, data)
        commit()
        return view

    @blp.response(204)
    def delete(self, user_id):
        """Withdraw the user's role here and revoke its tokens."""
        svc.remove_user(get_session(), current(), user_id)
        commit()


@blp.route("/<int:user_id>/invitation")
class UserInvitation(MethodView):
    @blp.response(201, s.InvitationSchema)
    def post(self, user_id):
        """Administrators: a single-use link (valid 7 days) where the user sets a password for the
        web pages; any earlier link stops working. Shown this once, and e-mailed to the user when
        mail is configured."""
        user, secret = passwords.invite_user(get_session(), current(), user_id)
        url = external_url(url_for("account.invitation", secret=secret), current_app)
        mailed = passwords.mail_invitation(get_session(), user, url)
        commit()
        return {"url": url, "expires_in_days": passwords.INVITATION_DAYS, "mailed": mailed}


@blp.route("/<int:user_id>/export")
class UserExport(MethodView):
    @blp.response(200, s.PersonalDataSchema)
    def get(self, user_id):
        """The person's own data, machine-readable (GDPR articles 15 and 20): for the person
        (``/users/{own id}/export``) or a platform-scoped token."""
        return privacy.export_user(get_session(), current(), user_id)


@blp.route("/<int:user_id>/erase")
class UserErase(MethodView):
    @blp.response(200, s.ErasureSchema)
    def post(self, user_id):
        """Erase the person (GDPR article 17): name, e-mail, password, invitation and tokens go,
        every role is withdrawn and every web session ends; invoices, charges, payments, bookings
        and the audit trail stay, referring to the user id only. Administrators of the
        coordination (for people who work only here) or a platform-scoped token."""
        user = privacy.erase_user(get_session(), current(), user_id)
        commit()
        return {"id": user.id, "email": user.email, "erased": True}


def blueprints():
    return [blp]
