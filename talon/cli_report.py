"""``talon report`` and ``talon demo`` (registered by talon.cli when this module exists)."""

from __future__ import annotations

import json
import re
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from talon.cli import AppContext, admin_acting, admin_options

if TYPE_CHECKING:
    from queue_core.reports import Period

pass_app = click.make_pass_decorator(AppContext)
FORMATS = ("table", "csv", "json", "xlsx")
_LAST_DAYS_RE = re.compile(r"^\s*last-(\d{1,4})-days\s*$", re.IGNORECASE)


def last_days(text: str, today: date) -> Period | None:
    """``last-90-days``: the 90 days ending today, so always the days a ``talon demo --days`` just filled."""
    from queue_core.reports import Period

    m = _LAST_DAYS_RE.match(text)
    if m is None or int(m.group(1)) < 1:
        return None
    start = today - timedelta(days=int(m.group(1)) - 1)
    return Period(start, today, f"последние {m.group(1)} дн.")  # titles add the dates themselves


class _Progress:
    """A one-line progress indicator on stderr, shown only once a step takes more than a moment."""

    def __init__(self, total: int, delay: float = 0.7) -> None:
        self.total, self.done, self.delay = total, 0, delay
        self.started = time.monotonic()
        self.shown = False
        self.tty = sys.stderr.isatty()

    def __call__(self, step: str) -> None:
        self.done += 1
        if not self.tty or time.monotonic() - self.started < self.delay:
            return
        width = 24
        filled = min(width, width * self.done // max(1, self.total))
        click.echo(f"\r[{'#' * filled}{' ' * (width - filled)}] {step[:50]:<50}", nl=False, err=True)
        self.shown = True

    def close(self) -> None:
        if self.shown:
            click.echo("\r" + " " * 80 + "\r", nl=False, err=True)


@click.command("report")
@click.option("--period", "-p", help="Период: 2025Q4, 2025-10, 2025-10-06 или last-90-days (по умолчанию — текущий "
                                     "месяц).")
@click.option("--from", "date_from", help="Начало периода (2025-10-01 или 01.10.2025).")
@click.option("--to", "date_to", help="Конец периода включительно (по умолчанию — сегодня).")
@click.option("--office", help="Код офиса; all — все офисы базы (по умолчанию — офис из конфигурации).")
@click.option("--by", "by", help="Группировки через запятую: service,category,segment,day,hour,window,operator,office.")
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Файл (для xlsx обязателен; иначе — вывод на экран).")
@click.option("--no-audit", is_flag=True, help="Не пересчитывать аудит очерёдности (быстрее).")
@pass_app
def report_cmd(app: AppContext, period: str | None, date_from: str | None, date_to: str | None, office: str | None,
               by: str | None, fmt: str, output: str | None, no_audit: bool) -> None:
    """Отчёт: время ожидания и обслуживания, норматив, оценки, вне очереди (СВО), аудит очерёдности."""
    from queue_core.reports import DEFAULT_GROUPINGS, GROUPINGS, Period, PeriodError, compute_report, parse_date, parse_period

    svc = app.service
    try:
        if period and (date_from or date_to):
            raise click.UsageError("укажите либо --period, либо --from/--to")
        if period:
            per = last_days(period, svc.clock.today()) or parse_period(period)
        elif date_from or date_to:
            start = parse_date(date_from) if date_from else None
            end = parse_date(date_to) if date_to else svc.clock.today()
            per = Period.range(start or end, end)
        else:
            today = svc.clock.today()
            per = Period.month(today.year, today.month)
    except PeriodError as e:
        raise click.BadParameter(str(e), param_hint="--period/--from/--to") from None
    if by:
        groupings = [b.strip() for b in by.split(",") if b.strip()]
        unknown = [b for b in groupings if b not in GROUPINGS]
        if unknown:
            raise click.BadParameter(f"неизвестная группировка «{unknown[0]}»; есть: {', '.join(GROUPINGS)}",
                                     param_hint="--by")
    else:
        groupings = ["service", "category"] if fmt == "table" else list(DEFAULT_GROUPINGS)
    if fmt == "xlsx":
        groupings += [g for g in ("day", "hour") if g not in groupings]  # the two charts need them
        output = output or f"talon-report-{per.start}_{per.end}.xlsx"
    office_code = None if office == "all" else (office or app.config.office.code)
    progress = _Progress(total=4 + len(groupings))
    try:
        report = compute_report(svc, per, office_code, groupings, audit=not no_audit, progress=progress)
    finally:
        progress.close()
    if fmt == "xlsx":
        from queue_core.reports.xlsx import write_xlsx

        path = write_xlsx(report, output)
        click.echo(f"Отчёт за {per.label} сохранён: {path}")
        return
    if fmt == "json":
        text = json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n"
    elif fmt == "csv":
        from queue_core.reports.text import render_csv

        text = render_csv(report)
    else:
        from queue_core.reports.text import render_table

        text = render_table(report)
    if output:
        Path(output).write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
        click.echo(f"Отчёт за {per.label} сохранён: {output}")
    else:
        click.echo(text, nl=False)


@click.command("demo")
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 3660), help="Сколько рабочих дней.")
@click.option("--seed", default=1, show_default=True, type=int, help="Зерно случайности (тот же seed — те же данные).")
@click.option("--until", help="Последний день (по умолчанию — вчера).")
@admin_options
@pass_app
def demo_cmd(app: AppContext, days: int, seed: int, until: str | None, session: str | None,
             as_login: str | None) -> None:
    """Заполнить базу смоделированными рабочими днями (через настоящий сервисный слой).

    Демо-операторов создаёт администратор: указанный (--as / --session) или «demo-admin» (PIN 2468),
    который становится первым администратором новой базы."""
    from queue_core.demo import run_demo
    from queue_core.reports import PeriodError, parse_date

    try:
        last = parse_date(until) if until else None
    except PeriodError as e:
        raise click.BadParameter(str(e), param_hint="--until") from None
    started = time.monotonic()
    with click.progressbar(length=days, label="Моделирование дней", file=sys.stderr,
                           item_show_func=lambda d: f"{d:%d.%m.%Y}" if d else "") as bar:
        def step(i: int, n: int, day: date) -> None:
            bar.update(1, day)

        if session or as_login:
            with admin_acting(app, session, as_login) as admin:
                result = run_demo(app.config, days, seed, until=last, progress=step, admin=admin)
        else:
            result = run_demo(app.config, days, seed, until=last, progress=step)
    if result.catalog:
        click.echo(f"Каталог офиса обновлён по конфигурации (изменений: {len(result.catalog)}):")
        for line in result.catalog:
            click.echo(f"  {line}")
    click.echo(f"Смоделировано рабочих дней: {len(result.days)} ({result.first:%d.%m.%Y}–{result.last:%d.%m.%Y}), "
               f"талонов: {result.tickets}, за {timedelta(seconds=round(time.monotonic() - started))}")
    since = (app.service.clock.today() - result.first).days + 1
    click.echo(f"Отчёт за эти дни: talon report --period last-{since}-days --format xlsx -o demo.xlsx")
