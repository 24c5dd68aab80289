"""The ``logipool`` command: database, demo data, users, tokens, the server and the job worker."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from . import metrics, migrate
from .db import database, get_session
from .errors import ServiceError, flatten_messages
from .models import Role
from .services import accounts


def main() -> None:
    cli(prog_name="logipool")


@click.group(cls=FlaskGroup, create_app=lambda: _create_app(), add_default_commands=False,
             add_version_option=False)
def cli() -> None:
    """Pooled logistics for food-aid coordinations."""


def _create_app():
    from . import create_app

    return create_app()


def register(app) -> None:
    """Attach the commands to the app, so ``logipool`` and Flask's test runner both see them."""
    for command in (db_group, demo_command, coordinations_group, users_group, tokens_group, serve, routing_group,
                    purchasing_group, mail_group, worker, jobs_group):
        app.cli.add_command(command)


def _fail_cleanly(fn):
    """Show service errors as one readable line and a non-zero exit, not a traceback."""

    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ServiceError as exc:
            raise click.ClickException(exc.detail) from None

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


@click.group("db")
def db_group() -> None:
    """Database schema migrations (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the latest)."""
    migrate.upgrade(database().write_engine, revision)
    click.echo(f"Database at {revision}: {database().engine.url.render_as_string(hide_password=True)}")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION."""
    migrate.downgrade(database().write_engine, revision)


@db_group.command("current")
@with_appcontext
def db_current() -> None:
    """Show the database's revision."""
    migrate.current(database().write_engine)


@db_group.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def db_backup(file: str) -> None:
    """Copy the live SQLite database into FILE (SQLite's online backup; PostgreSQL: use pg_dump)."""
    from .db import backup_sqlite

    engine = database().engine
    if engine.dialect.name != "sqlite":
        raise click.ClickException("This database is PostgreSQL: back it up with pg_dump (see docs/deployment.md).")
    try:
        pages = backup_sqlite(engine, file)
    except FileExistsError:
        raise click.ClickException(f"{file} exists already: give a new file name.") from None
    click.echo(f"Backed up {engine.url.database} into {file} ({pages} pages).")


@click.command("demo")
@with_appcontext
@_fail_cleanly
def demo_command() -> None:
    """Load the demo coordination (Pays d'Aubagne and east Marseille); running it again changes nothing."""
    from .services.demo import load_demo

    session = get_session()
    report = load_demo(session)
    session.commit()
    click.echo(report.summary())


@click.group("coordinations")
def coordinations_group() -> None:
    """Coordinations (the tenants): how a fresh install starts."""


_SETTINGS = ("name", "legal_name", "siren", "siret", "vat_regime", "vat_number", "street", "postcode", "city",
             "country", "email", "payment_terms_days", "late_penalty_rate", "iban", "bic", "invoice_note")


@coordinations_group.command("create")
@click.option("--slug", required=True, help="Short name in URLs and commands, e.g. pays-aubagne.")
@click.option("--name", required=True, help="The name people use.")
@click.option("--legal-name", required=True, help="The legal name printed on invoices.")
@click.option("--vat-regime", required=True, help="outside_vat, cost_sharing_261b, franchise_293b or vat_registered.")
@click.option("--siren")
@click.option("--siret")
@click.option("--vat-number")
@click.option("--street")
@click.option("--postcode")
@click.option("--city")
@click.option("--country", default="FR", show_default=True)
@click.option("--email", help="The coordination's e-mail, printed on invoices.")
@click.option("--payment-terms-days", type=int, help="Invoices are due this many days after issue (default 30).")
@click.option("--late-penalty-rate", help="Late-payment penalty, %% per year (default 12.15).")
@click.option("--iban")
@click.option("--bic")
@click.option("--invoice-note")
@click.option("--admin-email", required=True, help="The first administrator (created if new).")
@click.option("--admin-name", default="")
@with_appcontext
@_fail_cleanly
def coordinations_create(slug, admin_email, admin_name, **settings) -> None:
    """Create a coordination with its invoicing settings and its first administrator, and print the
    link (valid 7 days, once) where that administrator sets a password: logipool sends no mail."""
    from marshmallow import ValidationError

    from . import schemas as s
    from .security import external_url
    from .services import coordinations, passwords

    given = {"slug": slug} | {k: settings[k] for k in _SETTINGS if settings.get(k) is not None}
    try:
        data = s.CoordinationSchema().load(given)
        admin = s.AdministratorSchema().load({"email": admin_email, "name": admin_name})
    except ValidationError as exc:
        lines = [f"--{field.replace('_', '-')}: {' '.join(map(str, messages))}"
                 for field, messages in flatten_messages(exc.messages).items()]
        raise click.ClickException("\n".join(lines)) from None
    session = get_session()
    coordination, grant, secret = coordinations.install_coordination(session, data, admin["email"], admin["name"])
    session.commit()
    click.echo(f"Coordination {coordination.slug} created (id {coordination.id}); "
               f"{grant.user.email} is its admin.", err=True)
    click.echo(external_url(f"/invitation/{secret}", current_app))
    click.echo(f"# {grant.user.email}: open this link to set a password (valid {passwords.INVITATION_DAYS} days, "
               "once)", err=True)


@click.group("users")
def users_group() -> None:
    """Users and their roles."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--member", "member_ref", help="Member id or short name (member_rep, treasurer).")
@click.option("--coordination", "slug", help="Coordination slug (needed when there are several).")
@click.option("--name", default="")
@click.option("--platform-admin", is_flag=True, help="May create further coordinations.")
@with_appcontext
@_fail_cleanly
def users_create(email, role, member_ref, slug, name, platform_admin) -> None:
    """Give a user (created if new) a role in a coordination."""
    session = get_session()
    coordination = accounts.coordination_for_cli(session, slug)
    role = Role(role)
    member_id = None
    if role.needs_member:
        if not member_ref:
            raise click.UsageError(f"--member is required for the role {role.value}.")
        member_id = accounts.member_by_ref(session, coordination.id, member_ref).id
    elif member_ref:
        raise click.UsageError(f"The role {role.value} is not tied to a member: drop --member.")
    grant = accounts.grant_role(session, coordination.id, email, role, member_id, name)
    if platform_admin:
        grant.user.platform_admin = True
    session.commit()
    click.echo(f"{grant.user.email} is {role.value} of {coordination.slug} (user id {grant.user.id}).")


@users_group.command("invite")
@click.option("--email", required=True)
@with_appcontext
@_fail_cleanly
def users_invite(email) -> None:
    """Print a single-use link (valid 7 days) where the user sets a password for the web pages.

    When mail is configured (LOGIPOOL_SMTP_HOST) it is also e-mailed to the user at once;
    otherwise give the link to the person yourself."""
    from .security import external_url
    from .services import mail, passwords

    session = get_session()
    user = passwords.user_by_email(session, email)
    secret = passwords.create_invitation(session, user)
    url = external_url(f"/invitation/{secret}", current_app)
    rows = mail.invitation(session, user, url) if mail.mail_configured() else []
    session.commit()
    click.echo(url)
    click.echo(f"# {user.email}: valid {passwords.INVITATION_DAYS} days, once", err=True)
    if rows:
        report = mail.deliver_pending(session, current_app.config, ids=[r.id for r in rows])
        session.commit()
        click.echo(f"# e-mailed to {user.email}: {report.summary()}", err=True)


@click.group("mail")
def mail_group() -> None:
    """Outgoing e-mail (the outbox)."""


@mail_group.command("send")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100000),
              help="At most this many messages in this run.")
@click.option("--batch", default=50, show_default=True, type=click.IntRange(1, 1000),
              help="Messages sent per transaction (each batch is committed before the next).")
@with_appcontext
@_fail_cleanly
def mail_send(limit, batch) -> None:
    """Send the pending e-mails whose attempt is due, once; print what happened."""
    from .services import mail

    session = get_session()
    total = mail.DeliveryReport()
    while limit > 0:
        report = mail.deliver_pending(session, current_app.config, limit=min(batch, limit))
        session.commit()
        total.add(report)
        limit -= len(report.ids)
        if len(report.ids) < batch or report.stopped:
            break
    click.echo(total.summary())


@mail_group.command("remind")
@with_appcontext
@_fail_cleanly
def mail_remind() -> None:
    """Write the reminders due now (vehicles due back, cycles closing, invoices due soon or overdue)
    to the outbox; each is written once, so running this often is fine."""
    from .db import utcnow
    from .services import mail

    session = get_session()
    now = utcnow()
    written = [len(f(session, now)) for f in (mail.vehicle_due_back, mail.cycles_closing, mail.invoice_reminders)]
    session.commit()
    click.echo(f"{written[0]} due-back, {written[1]} closing, {written[2]} invoice reminders written")


@users_group.command("export")
@click.option("--email", required=True)
@with_appcontext
@_fail_cleanly
def users_export(email) -> None:
    """Print everything held about a person as JSON (GDPR articles 15 and 20)."""
    import json

    from . import schemas
    from .services import passwords, privacy

    session = get_session()
    data = privacy.export_user(session, None, passwords.user_by_email(session, email).id)
    click.echo(json.dumps(schemas.PersonalDataSchema().dump(data), indent=1, ensure_ascii=False))


@users_group.command("erase")
@click.option("--email", required=True)
@click.confirmation_option(prompt="Erase this person's name, e-mail, password and tokens for good?")
@with_appcontext
@_fail_cleanly
def users_erase(email) -> None:
    """Anonymise a person (GDPR article 17); invoices, charges and the audit trail stay intact."""
    from .services import passwords, privacy

    session = get_session()
    user = privacy.erase_user(session, None, passwords.user_by_email(session, email).id)
    session.commit()
    click.echo(f"User {user.id} erased: now {user.email}, no role, no token.")


@click.group("tokens")
def tokens_group() -> None:
    """API tokens."""


@tokens_group.command("create")
@click.option("--email", required=True)
@click.option("--coordination", "slug", help="Coordination slug (when the user has several).")
@click.option("--days", default=None, type=click.IntRange(1, 365), help="Validity (default 90).")
@click.option("--name", default="cli")
@click.option("--platform", is_flag=True,
              help="With the platform-administration scope (the user must be a platform administrator).")
@with_appcontext
@_fail_cleanly
def tokens_create(email, slug, days, name, platform) -> None:
    """Create a token for a user and print it (it is shown this once)."""
    session = get_session()
    grant = accounts.grant_for_cli(session, email, slug)
    days = days or int(current_app.config["TOKEN_DAYS_DEFAULT"])
    token, secret = accounts.issue_token(session, grant, days=days, name=name, platform=platform)
    session.commit()
    click.echo(secret)
    scope = ", platform scope" if platform else ""
    click.echo(
        f"# {grant.user.email}, {grant.role.value}{scope}, expires {token.expires_at:%Y-%m-%d}", err=True
    )


@click.group("routing")
def routing_group() -> None:
    """Route planning (the routing library)."""


@routing_group.command("solve")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "file_format", type=click.Choice(["vrplib", "solomon", "lilim", "json"]),
              help="Default: guessed from the file.")
@click.option("--time-limit", default=10.0, show_default=True, type=click.FloatRange(0.1, 3600))
@click.option("--seed", default=0, show_default=True, type=int)
def routing_solve(file, file_format, time_limit, seed) -> None:
    """Solve a CVRPLIB, Solomon or Li & Lim benchmark file, or a JSON problem; print JSON."""
    import json

    from routing import RoutingError, solve_file

    try:
        result = solve_file(file, file_format, time_limit, seed)
    except RoutingError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(result, indent=1, ensure_ascii=False))


@click.group("purchasing")
def purchasing_group() -> None:
    """Joint orders (the purchasing library)."""


@purchasing_group.command("split")
@click.argument("problem", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--time-limit", type=click.FloatRange(0.1, 3600), help="Seconds (default: none).")
@click.option("--solver", type=click.Choice(["highs", "cbc"]))
def purchasing_split(problem, time_limit, solver) -> None:
    """Split a joint order given as JSON (docs/purchasing.md) and print the JSON allocation.

    Exit status 1: no plan (the reasons are printed); 2: the problem is not valid."""
    from purchasing.__main__ import main as split_main

    args = ["split", problem] + (["--time-limit", str(time_limit)] if time_limit else [])
    raise SystemExit(split_main(args + (["--solver", solver] if solver else [])))


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
def serve(host: str, port: int, workers: int) -> None:
    """Run the service under gunicorn."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", None)
            self.cfg.set("child_exit", metrics.child_exit)

        def load(self):
            return _create_app()

    Server().run()


@click.command("worker")
@click.option("--workers", default=2, show_default=True, type=int, help="jobs run at once by this process")
@click.option("--worker-type", type=click.Choice(["thread", "process"]), default="thread", show_default=True,
              help="process: each job in a forked process, and Huey enforces time limits")
@click.option("--no-periodic", is_flag=True, help="leave the scheduled jobs to other workers")
@with_appcontext
def worker(workers: int, worker_type: str, no_periodic: bool) -> None:
    """Run background jobs (Huey's consumer) from the queue of LOGIPOOL_QUEUE_URL."""
    from .queue import run_worker

    run_worker(current_app._get_current_object(), workers=workers, worker_type=worker_type,
               periodic=not no_periodic)


@click.group("jobs")
def jobs_group() -> None:
    """Background jobs: the reaper and the scheduled work, on demand."""


@jobs_group.command("reap")
@with_appcontext
def jobs_reap() -> None:
    """Take up again (or fail) the jobs whose worker went silent."""
    from .queue import queue_of

    outcome = queue_of(current_app).reap()
    click.echo(f"taken up {outcome['taken_up']}, failed {outcome['failed']}, sent again {outcome['resent']}")


@jobs_group.command("run")
@click.argument("name")
@click.option("--now", help="the instant to run it for (ISO 8601), default now")
@with_appcontext
def jobs_run(name: str, now: str | None) -> None:
    """Run one scheduled job now (e.g. billing_draft, storage_close, payment_reminders, cycle_reminders)."""
    from .db import utcnow
    from .queue import PERIODIC, parse_time, queue_of

    if name not in PERIODIC:
        raise click.ClickException(f"No scheduled job {name!r}; one of {', '.join(sorted(PERIODIC))}.")
    click.echo(queue_of(current_app).run_periodic(name, PERIODIC[name][1], parse_time(now) if now else utcnow()))
