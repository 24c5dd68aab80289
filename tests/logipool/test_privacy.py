"""A person's data: the export of everything held about them (GDPR articles 15 and 20) and the
erasure that anonymises them while invoices, payments and the audit trail stay intact."""

import json
from datetime import date

from sqlalchemy import select

from logipool.models import ApiToken, AuditEvent, Invoice, MailKind, OutboxMessage, Payment, Role, RoleGrant, User
from logipool.services.privacy import erased_email

from ..factories import make_vehicle, platform_token
from ..invoices.pdftext import pdf_text
from .test_errors import assert_problem
from .test_invoicing import charge, make_billable, run_and_issue


def test_a_person_exports_their_own_data_and_nobody_else_s(client, world, session):
    truck = make_vehicle(session, world.a.coordination)
    session.commit()
    h = world.a.headers(Role.MEMBER_REP)
    uid = world.a.user_ids[Role.MEMBER_REP]
    booked = client.post("/api/v1/vehicle-bookings/", headers=h, json={
        "vehicle_id": truck.id, "start": "2030-01-07T08:00:00+01:00", "end": "2030-01-07T12:00:00+01:00"})
    assert booked.status_code == 201
    r = client.get(f"/api/v1/users/{uid}/export", headers=h)
    assert r.status_code == 200 and r.mimetype == "application/json"
    data = json.loads(r.data)
    assert data["format"] == "logipool-personal-data/1"
    assert data["user"]["id"] == uid and data["user"]["email"] == "member_rep@alpha.example"
    assert [(x["role"], x["member_id"]) for x in data["roles"]] == [("member_rep", world.a.member.id)]
    assert data["tokens"] and "token_hash" not in json.dumps(data["tokens"])
    assert data["created"]["vehicle_booking"] == [booked.get_json()["id"]]
    assert {"entity": "vehicle_booking", "entity_id": booked.get_json()["id"], "action": "create"}.items() \
        <= data["actions"][-1].items()
    # nobody else's data, not even an administrator's view of it: 404
    for role, other in ((Role.MEMBER_REP, world.a.user_ids[Role.TREASURER]), (Role.ADMIN, uid),
                        (Role.ADMIN, world.b.user_ids[Role.AUDITOR])):
        assert_problem(client.get(f"/api/v1/users/{other}/export", headers=world.a.headers(role)), 404)
    # a platform administrator answers a person's request
    assert client.get(f"/api/v1/users/{uid}/export", headers=platform_token(session, world.a)).status_code == 200


def test_erasure_anonymises_the_person_and_keeps_the_accounting(client, world, session, runner):
    make_billable(session, world.a)
    charge(session, world.a, 12000)
    session.commit()
    staff = world.a.headers(Role.MANAGER)
    manager = world.a.user_ids[Role.MANAGER]
    issued = run_and_issue(client, staff)
    invoice_id = issued["invoices"][0]["invoice_id"]
    paid = client.post(f"/api/v1/invoices/{invoice_id}/payments", headers=staff,
                       json={"amount": "20.00", "paid_on": date.today().isoformat(), "method": "transfer"})
    assert paid.status_code == 201, paid.get_json()
    before = client.get(f"/api/v1/invoices/{invoice_id}/pdf", headers=world.a.headers(Role.AUDITOR)).data

    # only an administrator of the coordination (or the platform) erases
    for role in (Role.MANAGER, Role.AUDITOR, Role.TREASURER):
        assert client.post(f"/api/v1/users/{manager}/erase", headers=world.a.headers(role)).status_code in (403, 404)
    assert_problem(client.post(f"/api/v1/users/{manager}/erase", headers=world.b.headers(Role.ADMIN)), 404)
    r = client.post(f"/api/v1/users/{manager}/erase", headers=world.a.headers(Role.ADMIN))
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"id": manager, "email": erased_email(manager), "erased": True}

    user = session.get(User, manager)
    assert (user.name, user.email, user.password_hash, user.invitation_hash, user.active) == \
        ("", erased_email(manager), None, None, False)
    assert session.scalars(select(RoleGrant).where(RoleGrant.user_id == manager)).all() == []
    assert session.scalars(select(ApiToken).join(RoleGrant).where(RoleGrant.user_id == manager)).all() == []
    assert client.get("/api/v1/members/", headers=staff).status_code == 401  # the tokens are gone
    # the accounting stays: the invoice (to the member, byte for byte), the payment, the trail
    invoice = session.get(Invoice, invoice_id)
    assert invoice.member_id == world.a.member.id and invoice.created_by_id == manager
    assert world.a.member.legal_name in pdf_text(invoice.pdf)
    assert client.get(f"/api/v1/invoices/{invoice_id}/pdf", headers=world.a.headers(Role.AUDITOR)).data == before
    assert session.scalars(select(Payment.created_by_id).where(Payment.invoice_id == invoice_id)).all() == [manager]
    made = session.scalars(select(AuditEvent).where(AuditEvent.actor_user_id == manager)).all()
    assert {e.entity for e in made} >= {"invoice", "payment"}
    assert "manager@alpha.example" not in json.dumps([e.changes for e in made])
    erasure = session.scalars(select(AuditEvent).where(AuditEvent.entity == "app_user", AuditEvent.entity_id == manager,
                                                       AuditEvent.action == "update")).all()
    assert erasure and erasure[-1].actor_user_id == world.a.user_ids[Role.ADMIN]
    session.rollback()
    # the e-mail is free again, and the erased person cannot be found by it
    assert runner.invoke(args=["users", "export", "--email", "manager@alpha.example"]).exit_code != 0


def test_erasure_refuses_the_last_admin_oneself_and_people_of_other_coordinations(client, world, session):
    admin = world.a.user_ids[Role.ADMIN]
    assert_problem(client.post(f"/api/v1/users/{admin}/erase", headers=world.a.headers(Role.ADMIN)), 403)
    assert_problem(client.post(f"/api/v1/users/{admin}/erase", headers=platform_token(session, world.b)), 409)
    # someone who also works for beta is erased by a platform administrator only
    auditor = world.a.user_ids[Role.AUDITOR]
    session.add(RoleGrant(user_id=auditor, coordination_id=world.b.coordination.id, role=Role.AUDITOR))
    session.commit()
    assert_problem(client.post(f"/api/v1/users/{auditor}/erase", headers=world.a.headers(Role.ADMIN)), 409)
    assert client.post(f"/api/v1/users/{auditor}/erase", headers=platform_token(session, world.a)).status_code == 200


def test_erasure_removes_the_mail_written_to_the_person_and_keeps_the_others(client, world, session):
    auditor, admin = world.a.user_ids[Role.AUDITOR], world.a.user_ids[Role.ADMIN]
    email = session.get(User, auditor).email

    def mail(user_id, recipient, event):
        return OutboxMessage(coordination_id=world.a.coordination.id, kind=MailKind.INVITATION, event=event,
                             user_id=user_id, recipient=recipient, locale="fr", subject="Votre accès",
                             body_text="Bonjour", body_html="<p>Bonjour</p>")

    session.add_all([mail(auditor, email, "invitation:1"), mail(None, email, "booking:1:requested"),
                     mail(admin, session.get(User, admin).email, "invitation:2")])
    session.commit()
    r = client.post(f"/api/v1/users/{auditor}/erase", headers=world.a.headers(Role.ADMIN))
    assert r.status_code == 200, r.get_json()
    left = session.scalars(select(OutboxMessage.recipient)).all()
    assert email not in left and len(left) == 1


def test_export_and_erase_from_the_command_line(runner, world, session):
    result = runner.invoke(args=["users", "export", "--email", "treasurer@alpha.example"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["user"]["email"] == "treasurer@alpha.example"
    refused = runner.invoke(args=["users", "erase", "--email", "treasurer@alpha.example"], input="n\n")
    assert refused.exit_code != 0
    done = runner.invoke(args=["users", "erase", "--email", "treasurer@alpha.example", "--yes"])
    assert done.exit_code == 0, done.output
    uid = world.a.user_ids[Role.TREASURER]
    session.expire_all()
    assert session.get(User, uid).email == erased_email(uid)
    event = session.scalars(select(AuditEvent).where(AuditEvent.entity == "app_user", AuditEvent.entity_id == uid)
                            .order_by(AuditEvent.id.desc())).first()
    assert (event.actor_kind, event.actor_detail) == ("system", "cli")
