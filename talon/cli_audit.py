"""``talon audit verify``: check the event log's hash chain (DESIGN.md §13), registered by talon.cli.

Reads only: it never upgrades or writes the database. Exit status 0 when every chain holds, 1 with
one line naming the first event that does not fit (id, office, ticket, kind, local time, what is
wrong), 2 for an unknown office, 3 when the database is unreachable or its schema is not current.
"""

from __future__ import annotations

import sys
import time

import click

from talon.cli import EXIT_REFUSED, AppContext

pass_app = click.make_pass_decorator(AppContext)


@click.group("audit")
def audit_group() -> None:
    """Аудит: целостность журнала событий."""


@audit_group.command("verify")
@click.option("--office", help="Код офиса (по умолчанию — все офисы базы).")
@pass_app
def audit_verify(app: AppContext, office: str | None) -> None:
    """Проверить цепочку хешей журнала событий и назвать первое событие, которое в неё не вписывается."""
    from queue_core.db import Database
    from queue_core.domain import NotFound
    from queue_core.eventlog import verify

    db = Database(app.config.database_url)
    try:
        db.ensure_schema(auto_upgrade=False)
        progress = _Progress()
        try:
            report = verify(db, office, progress=progress)
        except NotFound as e:
            raise click.BadParameter(str(e), param_hint="--office") from None
        finally:
            progress.close()
    finally:
        db.dispose()
    offices = ", ".join(report.offices) or "нет офисов"
    if not report.ok:
        click.echo(report.summary())
        sys.exit(EXIT_REFUSED)
    click.echo(f"{report.summary()}; офисы: {offices}; проверено за {report.seconds:.1f} с")


class _Progress:
    """«Проверено событий: 120 000…» on stderr, on a terminal, once the walk takes more than a moment."""

    def __init__(self, delay: float = 0.7) -> None:
        self.started = time.monotonic()
        self.delay = delay
        self.shown = False
        self.tty = sys.stderr.isatty()

    def __call__(self, checked: int) -> None:
        if self.tty and time.monotonic() - self.started >= self.delay:
            click.echo(f"\rПроверено событий: {checked:,}…".replace(",", " "), nl=False, err=True)
            self.shown = True

    def close(self) -> None:
        if self.shown:
            click.echo("\r" + " " * 60 + "\r", nl=False, err=True)
