"""``talon printer test | status`` — check the ticket printer from the command line.

The main CLI registers :data:`printer_group` and puts the loaded config at
``ctx.obj.config``. Exit status: 0 when the printer did its job, 1 on a printer fault.
"""

from __future__ import annotations

import click

from printer import print_ticket, printer_status, sample_ticket_print
from printer.backends import BACKEND_RU, target
from printer.printing import PAPER_RU


def _config(ctx: click.Context):
    return ctx.obj.config


def _where(cfg) -> str:
    kind = BACKEND_RU[cfg.printer.backend]
    if cfg.printer.backend in ("spool", "none"):
        return kind
    return f"{kind} {target(cfg.printer)}, {cfg.printer.paper_width_mm} мм, режим {cfg.printer.mode}"


@click.group("printer", help="Принтер талонов: пробная печать и состояние.")
def printer_group() -> None:
    pass


@printer_group.command("test", help="Напечатать пробный талон через настроенный принтер.")
@click.pass_context
def test_command(ctx: click.Context) -> None:
    cfg = _config(ctx)
    click.echo(f"Принтер: {_where(cfg)}")
    outcome = print_ticket(sample_ticket_print(cfg), cfg.printer, cfg.spool_dir)
    click.echo(outcome.message_ru, err=not outcome.ok)
    if outcome.paper:
        click.echo(f"Бумага: {PAPER_RU[outcome.paper]}")
    ctx.exit(0 if outcome.ok else 1)


@printer_group.command("status", help="Показать, на связи ли принтер и есть ли бумага.")
@click.pass_context
def status_command(ctx: click.Context) -> None:
    cfg = _config(ctx)
    info = printer_status(cfg.printer, cfg.spool_dir)
    click.echo(f"Принтер: {_where(cfg)}")
    click.echo(f"На связи: {'да' if info.online else 'нет'}")
    click.echo(f"Бумага: {PAPER_RU[info.paper]}")
    click.echo(info.message_ru)
    ctx.exit(0 if info.online and info.paper != "out" else 1)
