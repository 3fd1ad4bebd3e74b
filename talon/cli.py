"""The ``talon`` command: the composition root that reads the config and wires everything together.

Quick commands (``ticket issue``, ``call-next``, ``report``…) import no Textual and no escpos;
the apps are imported only by the commands that start them.
Exit status: 0 ok, 1 the office said no (wrong transition, wrong PIN, printer fault),
2 a bad config value or argument, 3 the database is unreachable or not ready for this config
(schema to upgrade, a catalogue that differs from config.toml, a clock off the database's).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from talon import click_ru

click_ru.install()  # before any command is built: click's own messages in Russian
logging.getLogger("queue_core.db").addHandler(logging.NullHandler())  # its warnings become the one error line

from queue_core.config import Config, ConfigError, load_config, resolve_config_path

if TYPE_CHECKING:
    from collections.abc import Callable

    from queue_core.domain import Actor, TicketInfo
    from queue_core.service import QueueService

    Command = Callable[..., None]

EXIT_REFUSED, EXIT_USAGE, EXIT_STORAGE = 1, 2, 3


class AppContext:
    """Built once per invocation; the config and the service are loaded on first use."""

    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path
        self._config: Config | None = None
        self._service = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    def connect(self) -> QueueService:
        """Open the office's service (the apps call this in a worker, and again after an outage)."""
        from queue_core import open_service

        return open_service(self.config)

    @property
    def service(self) -> QueueService:
        if self._service is None:
            from queue_core import open_service

            self._service = open_service(self.config)
        return self._service


pass_app = click.make_pass_decorator(AppContext)


def emit(obj: object, as_json: bool, text: str) -> None:
    if as_json:
        click.echo(json.dumps(obj, ensure_ascii=False, default=str))
    else:
        click.echo(text)


def read_pin(prompt: str, confirm: bool = False) -> str:
    """A PIN typed at the terminal (hidden), or the first line of standard input when that is not a terminal."""
    if sys.stdin.isatty():
        return click.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise click.UsageError("PIN не указан: введите его в терминале или подайте строкой на стандартный ввод")
    return line


def ticket_line(t: TicketInfo) -> str:
    from queue_core.domain import STATUS_RU

    parts = [f"Талон {t.code}", t.service_name, STATUS_RU[t.status]]
    if t.category != "regular":
        parts.append(t.category_name + (" (не проверено)" if t.category_claimed else ""))
    if t.window is not None:
        parts.append(f"окно {t.window}")
    if t.position is not None:
        parts.append(f"перед вами: {t.position}, ожидание ≈ {t.estimated_wait_min} мин")
    return " · ".join(parts)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Файл конфигурации (иначе TALON_CONFIG, иначе ./config.toml).")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None) -> None:
    """Talon — электронная очередь: киоск, окна операторов, табло, отчёты."""
    ctx.obj = AppContext(config_path)


# --- config and database ---------------------------------------------------------------------
@cli.group("config")
def config_group() -> None:
    """Конфигурация."""


@config_group.command("check")
@pass_app
def config_check(app: AppContext) -> None:
    """Проверить конфигурацию и показать итоговые настройки."""
    from queue_core.db import redact

    cfg = app.config
    click.echo(f"Файл: {cfg.path}")
    click.echo(f"Офис: {cfg.office.name} ({cfg.office.code}), {cfg.office.timezone}, {cfg.office.hours_text()}, "
               f"выдача талонов до закрытия −{cfg.office.last_ticket_min} мин")
    click.echo(f"База данных: {redact(cfg.database_url)}")
    click.echo("Услуги:")
    for s in cfg.services:
        click.echo(f"  {s.prefix}  {s.id:<16} {s.name} [{s.segment}], норматив {s.target_wait_min} мин")
    click.echo("Категории:")
    for c in cfg.categories:
        flags = ", ".join(f for f, on in (("вне очереди", c.out_of_turn), ("проверка документа", c.verify)) if on)
        click.echo(f"  {c.id:<10} приоритет {c.priority:<4} {c.name}" + (f" ({flags})" if flags else ""))
        if c.has_basis or c.valid_from or c.valid_to:
            since = f" с {c.valid_from:%d.%m.%Y}" if c.valid_from else ""
            until = f" по {c.valid_to:%d.%m.%Y}" if c.valid_to else ""
            click.echo(f"             основание: {c.basis if c.has_basis else '—'}"
                       + (f"; действует{since}{until}" if since or until else ""))
    click.echo("Окна:")
    for w in cfg.windows:
        weights = ", ".join(f"{k}={v}" for k, v in w.services.items())
        click.echo(f"  {w.number:>3} {w.title:<12} {w.role:<10} {weights}")
    p = cfg.printer
    click.echo(f"Принтер: {p.backend}, режим {p.mode}, {p.paper_width_mm} мм, кодовая страница ESC t {p.codepage_slot}")
    click.echo(f"Политика: повторных вызовов {cfg.policy.recall_limit}, перенаправление {cfg.policy.redirect_position}, "
               f"анти-голодание {cfg.policy.max_priority_streak or 'выкл.'}")
    click.echo("Конфигурация в порядке.")


@config_group.command("apply")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Файл конфигурации (иначе общий --config, TALON_CONFIG или ./config.toml).")
@pass_app
def config_apply(app: AppContext, config_path: str | None) -> None:
    """Записать каталог офиса (офис, услуги, категории, окна) из конфигурации в базу."""
    from queue_core.db import Database

    if config_path:
        app.config_path, app._config = config_path, None
    db = Database(app.config.database_url)
    try:
        db.ensure_schema(auto_upgrade=False)
        _report_catalog(app.config, db)
    finally:
        db.dispose()


def _report_catalog(config: Config, db) -> None:  # noqa: ANN001 - queue_core.db.Database
    from queue_core.catalog import apply_config

    changes = apply_config(db, config)
    if not changes:
        click.echo("Каталог уже совпадает с конфигурацией")
        return
    click.echo(f"Каталог офиса {config.office.code} обновлён по {config.path.name if config.path else 'config.toml'} "
               f"(изменений: {len(changes)}):")
    for c in changes:
        click.echo(f"  {c.applied_ru()}")


@cli.group("db")
def db_group() -> None:
    """База данных."""


@db_group.command("upgrade")
@pass_app
def db_upgrade(app: AppContext) -> None:
    """Применить миграции схемы (Alembic) до последней версии, затем каталог офиса из конфигурации."""
    from queue_core.db import HEAD_REVISION, Database, redact

    db = Database(app.config.database_url)
    try:
        before = db.current_revision()
        db.upgrade()
        click.echo(f"{redact(db.url)}: схема {before or 'пустая'} → {HEAD_REVISION}")
        _report_catalog(app.config, db)
    finally:
        db.dispose()


@db_group.command("check")
@pass_app
def db_check(app: AppContext) -> None:
    """Проверить связь с базой и версию схемы."""
    from queue_core.db import HEAD_REVISION, Database, redact

    db = Database(app.config.database_url)
    rev = db.current_revision()
    if rev != HEAD_REVISION:
        click.echo(f"{redact(db.url)}: схема {rev or 'пустая'}, нужна {HEAD_REVISION} — выполните «talon db upgrade»")
        sys.exit(EXIT_REFUSED)
    click.echo(f"{redact(db.url)}: связь есть, схема {rev} актуальна")


# --- staff sessions ----------------------------------------------------------------------------
def staff_options(f: Command) -> Command:
    """Who acts: a session from «talon login» (--session or TALON_SESSION), or a window and login
    whose PIN is asked for (or read from standard input) for this one command."""
    f = click.option("--login", "-l", help="Логин (без --session: спросит PIN).")(f)
    f = click.option("--window", "-w", type=int, help="Номер окна (без --session).")(f)
    return click.option("--session", envvar="TALON_SESSION", help="Сеанс из «talon login» (или TALON_SESSION).")(f)


class Acting:
    """The actor of one staff command; a session made here for the command ends with it."""

    def __init__(self, app: AppContext, session: str | None, window: int | None, login: str | None,
                 *, need_window: bool = True) -> None:
        self.app, self.temporary = app, False
        svc = app.service
        if session:
            self.session = svc.session(session)
        elif login and (window is not None or not need_window):
            pin = read_pin(f"PIN «{login}»")
            self.session = (svc.login(window, login, pin, open_shift=False) if window is not None
                            else svc.authenticate(login, pin))
            self.temporary = True
        else:
            raise click.UsageError("Кто действует? Укажите --session (сеанс из «talon login», или TALON_SESSION) "
                                   "либо --window и --login (спросит PIN)")
        self.actor = self.session.actor

    def __enter__(self) -> Actor:
        return self.actor

    def __exit__(self, *exc: object) -> None:
        if self.temporary:
            from queue_core.domain import StorageError, TalonError

            try:
                self.app.service.end_session(self.actor)
            except (StorageError, TalonError):
                pass  # the session expires by itself in 12 h


# --- tickets ------------------------------------------------------------------------------------
@cli.group("ticket")
def ticket_group() -> None:
    """Талоны."""


@ticket_group.command("issue")
@click.option("--service", "-s", required=True, help="Услуга (id из config.toml).")
@click.option("--category", "-c", default="regular", show_default=True, help="Категория.")
@click.option("--channel", type=click.Choice(["kiosk", "informator", "api"]), default="api", show_default=True)
@staff_options
@click.option("--print", "do_print", is_flag=True, help="Напечатать талон на настроенном принтере.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def ticket_issue(app: AppContext, service: str, category: str, channel: str, session: str | None,
                 window: int | None, login: str | None, do_print: bool, as_json: bool) -> None:
    """Выдать талон (информатор: --channel informator и его сеанс или окно с логином)."""
    from queue_core.domain import Actor

    if channel == "informator":
        with Acting(app, session, window, login) as actor:
            t = app.service.issue_ticket(service, category, actor=actor)
    else:
        t = app.service.issue_ticket(service, category, actor=Actor.kiosk("talon") if channel == "kiosk"
                                     else Actor.api("talon"))
    extra = ""
    if do_print:
        from printer.jobs import print_and_record

        outcome = print_and_record(app.service, t, app.config)
        extra = f"\n{outcome.message_ru}"
    emit(t.to_json(), as_json, ticket_line(t) + extra)


@ticket_group.command("show")
@click.argument("ref")
@click.option("--history", is_flag=True, help="Показать историю событий.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def ticket_show(app: AppContext, ref: str, history: bool, as_json: bool) -> None:
    """Показать талон по номеру (сегодняшний, например А-015) или id."""
    t = app.service.ticket(ref)
    events = app.service.ticket_history(ref) if history else []
    if as_json:
        obj = t.to_json()
        if history:
            obj["events"] = [{"id": e.id, "kind": str(e.kind), "at": e.at.isoformat().replace("+00:00", "Z"),
                              "window": e.window, "operator": e.operator, "data": e.data} for e in events]
        emit(obj, True, "")
        return
    from operator_tui.format import EVENT_RU, event_details  # plain words, no Textual

    click.echo(ticket_line(t))
    tz = app.config.office.tz
    for e in events:
        who = f" окно {e.window}" if e.window is not None else ""
        who += f" {e.operator}" if e.operator else ""
        data = event_details(e)
        kind = EVENT_RU.get(e.kind, e.kind)
        click.echo(f"  {e.at.astimezone(tz):%H:%M:%S} {kind}{who}" + (f" ({data})" if data else ""))


@cli.command("login")
@click.option("--window", "-w", type=int, help="Номер окна (без него — сеанс администратора или руководителя).")
@click.option("--login", "-l", required=True, help="Логин.")
@click.option("--pin", help="PIN (если не указан — спросит или прочитает строку со стандартного ввода).")
@pass_app
def login_cmd(app: AppContext, window: int | None, login: str, pin: str | None) -> None:
    """Войти по PIN: открыть окно (--window) или сеанс администратора; печатает токен сеанса один раз."""
    if pin is None:
        pin = read_pin("PIN")
    if window is None:
        s = app.service.authenticate(login, pin)
        where = f"{s.full_name} ({s.actor.role})"
    else:
        s = app.service.login(window, login, pin)
        where = f"{app.config.window(window).title}: работает {s.full_name}"
    until = s.expires_at.astimezone(app.config.office.tz)
    click.echo(f"{where}\nСеанс до {until:%d.%m %H:%M}: {s.token}\n"
               f"Для следующих команд: export TALON_SESSION={s.token}")


@cli.command("logout")
@staff_options
@click.option("--force", is_flag=True, help="Закрыть окно, даже если у него посетитель.")
@pass_app
def logout_cmd(app: AppContext, session: str | None, window: int | None, login: str | None, force: bool) -> None:
    """Закрыть окно (и все его сеансы)."""
    acting = Acting(app, session, window, login)
    app.service.logout(acting.actor, force=force)
    click.echo(f"{app.config.window(acting.actor.window).title} закрыто")


@cli.command("pause")
@staff_options
@click.option("--reason", default="перерыв", show_default=True)
@pass_app
def pause_cmd(app: AppContext, session: str | None, window: int | None, login: str | None, reason: str) -> None:
    """Перерыв."""
    with Acting(app, session, window, login) as actor:
        app.service.pause(actor, reason)
    click.echo(f"{app.config.window(actor.window).title}: перерыв ({reason})")


@cli.command("resume")
@staff_options
@pass_app
def resume_cmd(app: AppContext, session: str | None, window: int | None, login: str | None) -> None:
    """Продолжить работу после перерыва."""
    with Acting(app, session, window, login) as actor:
        app.service.resume(actor)
    click.echo(f"{app.config.window(actor.window).title}: работа продолжена")


@cli.command("call-next")
@staff_options
@click.option("--json", "as_json", is_flag=True)
@pass_app
def call_next_cmd(app: AppContext, session: str | None, window: int | None, login: str | None, as_json: bool) -> None:
    """Вызвать следующего посетителя."""
    with Acting(app, session, window, login) as actor:
        result = app.service.call_next(actor)
    if result is None:
        emit({"ticket": None}, as_json, "Очередь пуста")
        return
    emit(result.to_json(), as_json, f"{ticket_line(result.ticket)}\nПричина: {result.reason}")


@cli.command("call")
@click.argument("ref")
@staff_options
@click.option("--reason", required=True, help="Почему вызван именно этот талон.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def call_cmd(app: AppContext, ref: str, session: str | None, window: int | None, login: str | None, reason: str,
             as_json: bool) -> None:
    """Вызвать конкретный талон по номеру (с причиной, записывается в журнал)."""
    with Acting(app, session, window, login) as actor:
        result = app.service.call_ticket(actor, ref, reason)
    emit(result.to_json(), as_json, f"{ticket_line(result.ticket)}\nПричина: {result.reason}")


def _ticket_verb(name: str, method: str, help_: str, options: tuple = ()) -> None:
    @click.argument("ref")
    @staff_options
    @click.option("--json", "as_json", is_flag=True)
    @pass_app
    def cmd(app: AppContext, ref: str, session: str | None, window: int | None, login: str | None, as_json: bool,
            **kw: object) -> None:
        with Acting(app, session, window, login) as actor:
            t = getattr(app.service, method)(actor, ref, **{k: v for k, v in kw.items() if v is not None})
        emit(t.to_json(), as_json, ticket_line(t))

    cmd.__doc__ = help_
    for opt in reversed(options):
        cmd = opt(cmd)
    cli.command(name)(cmd)


_ticket_verb("recall", "recall", "Повторный вызов (после лимита — неявка).")
_ticket_verb("start", "start", "Начать обслуживание.")
_ticket_verb("finish", "finish", "Завершить обслуживание.", options=(
    click.option("--result", "result_code", help="Результат обращения."),
    click.option("--rating", type=click.IntRange(1, 5), help="Оценка посетителя 1–5.")))
_ticket_verb("no-show", "no_show", "Отметить неявку.")
_ticket_verb("verify", "verify_category", "Подтвердить категорию (документ предъявлен).")
_ticket_verb("decline", "decline_category", "Отклонить категорию: талон в обычную очередь на своё место.")
_ticket_verb("redirect", "redirect", "Перенаправить в другую очередь (тот же номер).", options=(
    click.option("--to", "to_service", required=True, help="Услуга назначения."),
    click.option("--position", type=click.Choice(["front", "back"]), help="Место в очереди (по умолчанию из конфигурации).")))
_ticket_verb("postpone", "postpone", "Отложить (посетитель вернётся сам).", options=(
    click.option("--minutes", type=int, required=True, help="Через сколько минут вернуть в очередь."),
    click.option("--reason", default="")))
_ticket_verb("return", "return_ticket", "Вернуть отложенный талон в очередь.")
_ticket_verb("cancel", "cancel", "Отменить ожидающий талон.", options=(
    click.option("--reason", default="отменён", show_default=True),))


@cli.command("rate")
@click.argument("ref")
@click.argument("rating", type=click.IntRange(1, 5))
@staff_options
@pass_app
def rate_cmd(app: AppContext, ref: str, rating: int, session: str | None, window: int | None,
             login: str | None) -> None:
    """Записать оценку посетителя (1–5) за окно, которое его обслужило, в день обслуживания."""
    with Acting(app, session, window, login) as actor:
        t = app.service.rate(actor, ref, rating)
    click.echo(f"Талон {t.code}: оценка {t.rating}")


# --- operators and device tokens (an admin's session) ---------------------------------------------
def admin_options(f: Command) -> Command:
    f = click.option("--as", "as_login", help="Логин администратора (спросит его PIN).")(f)
    return click.option("--session", envvar="TALON_SESSION", help="Сеанс администратора (или TALON_SESSION).")(f)


def admin_acting(app: AppContext, session: str | None, as_login: str | None, *, bootstrap: bool = False) -> Acting:
    """The admin of this command; with neither option, the server box itself (it may only create the
    first admin while none exists)."""
    if not session and not as_login and bootstrap:
        from queue_core.domain import Actor

        acting = Acting.__new__(Acting)
        acting.app, acting.temporary, acting.actor = app, False, Actor.system()
        return acting
    return Acting(app, session, None, as_login, need_window=False)


@cli.group("operators")
def operators_group() -> None:
    """Операторы и PIN (нужен сеанс администратора; первого администратора создаёт сервер без сеанса)."""


@operators_group.command("add")
@click.argument("login")
@click.option("--name", required=True, help="ФИО.")
@click.option("--role", type=click.Choice(["operator", "informator", "supervisor", "admin"]), default="operator",
              show_default=True)
@click.option("--pin", help="PIN, 4–8 цифр (если не указан — спросит).")
@admin_options
@pass_app
def operators_add(app: AppContext, login: str, name: str, role: str, pin: str | None, session: str | None,
                  as_login: str | None) -> None:
    """Добавить оператора."""
    with admin_acting(app, session, as_login, bootstrap=True) as actor:
        if pin is None:
            pin = read_pin("PIN нового сотрудника", confirm=True)
        op = app.service.add_operator(actor, login, name, role, pin)
    click.echo(f"Добавлен: {op.login} — {op.full_name} ({op.role})")


@operators_group.command("list")
@admin_options
@pass_app
def operators_list(app: AppContext, session: str | None, as_login: str | None) -> None:
    """Список операторов."""
    with admin_acting(app, session, as_login) as actor:
        ops = app.service.list_operators(actor)
    for op in ops:
        state = "активен" if op.active else "отключён"
        click.echo(f"{op.login:<16} {op.full_name:<28} {op.role:<11} {state}")


@operators_group.command("disable")
@click.argument("login")
@admin_options
@pass_app
def operators_disable(app: AppContext, login: str, session: str | None, as_login: str | None) -> None:
    """Отключить оператора."""
    with admin_acting(app, session, as_login) as actor:
        op = app.service.disable_operator(actor, login)
    click.echo(f"Отключён: {op.login}")


@operators_group.command("set-pin")
@click.argument("login")
@click.option("--pin", help="Новый PIN (если не указан — спросит).")
@admin_options
@pass_app
def operators_set_pin(app: AppContext, login: str, pin: str | None, session: str | None,
                      as_login: str | None) -> None:
    """Сменить PIN (снимает блокировку)."""
    with admin_acting(app, session, as_login) as actor:
        if pin is None:
            pin = read_pin("Новый PIN", confirm=True)
        op = app.service.set_pin(actor, login, pin)
    click.echo(f"PIN изменён: {op.login}")


@cli.group("tokens")
def tokens_group() -> None:
    """Токены устройств: киоски, табло, внешние системы (нужен сеанс администратора)."""


@tokens_group.command("add")
@click.argument("name")
@click.option("--scope", type=click.Choice(["kiosk", "board", "staff", "reports", "admin"]), required=True)
@admin_options
@pass_app
def tokens_add(app: AppContext, name: str, scope: str, session: str | None, as_login: str | None) -> None:
    """Выдать токен устройству (показывается один раз)."""
    with admin_acting(app, session, as_login) as actor:
        info = app.service.add_device_token(actor, name, scope)
    click.echo(f"Устройство «{info.name}» ({info.scope}): {info.token}\nСохраните токен: он больше не будет показан.")


@tokens_group.command("list")
@admin_options
@pass_app
def tokens_list(app: AppContext, session: str | None, as_login: str | None) -> None:
    """Список устройств и их токенов (без самих токенов)."""
    with admin_acting(app, session, as_login) as actor:
        rows = app.service.list_device_tokens(actor)
    tz = app.config.office.tz
    for r in rows:
        state = "отозван" if r.revoked else "действует"
        click.echo(f"{r.name:<20} {r.scope:<8} выдан {r.created_at.astimezone(tz):%d.%m.%Y %H:%M}  {state}")


@tokens_group.command("revoke")
@click.argument("name")
@admin_options
@pass_app
def tokens_revoke(app: AppContext, name: str, session: str | None, as_login: str | None) -> None:
    """Отозвать токен устройства."""
    with admin_acting(app, session, as_login) as actor:
        app.service.revoke_device_token(actor, name)
    click.echo(f"Токен устройства «{name}» отозван")


# --- apps (imported lazily) ---------------------------------------------------------------------
@cli.command("kiosk")
@pass_app
def kiosk_cmd(app: AppContext) -> None:
    """Киоск выдачи талонов (полноэкранный терминал)."""
    from queue_kiosk.app import run_kiosk

    run_kiosk(app.config, app.connect)


@cli.command("board")
@pass_app
def board_cmd(app: AppContext) -> None:
    """Табло в зале."""
    from queue_kiosk.board import run_board

    run_board(app.config, app.connect)


@cli.command("operator")
@click.option("--window", "-w", type=int, help="Номер окна (иначе выбор на экране входа).")
@click.option("--login", "-l", help="Логин (подставится на экране входа).")
@pass_app
def operator_cmd(app: AppContext, window: int | None, login: str | None) -> None:
    """Терминал оператора / информатора / руководителя."""
    if window is not None and window not in {w.number for w in app.config.windows}:
        _bad_window(window)
    from operator_tui.app import run_operator

    run_operator(app.config, app.connect, window=window, login=login)


def _bad_window(window: int) -> None:
    raise click.BadParameter(f"окна {window} нет в конфигурации", param_hint="--window")


@cli.command("serve")
@click.argument("what", type=click.Choice(["kiosk", "board", "operator"]))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--window", "-w", type=int, help="Для operator: номер окна.")
@pass_app
def serve_cmd(app: AppContext, what: str, host: str, port: int, window: int | None) -> None:
    """Открыть киоск, табло или терминал в браузере (textual-serve)."""
    from talon.serve import serve

    serve(app.config, what, host=host, port=port, window=window)


def _register_optional() -> None:
    """Commands that live next to their packages."""
    for module, attr in (("talon.cli_printer", "printer_group"), ("talon.cli_report", "report_cmd"),
                         ("talon.cli_report", "demo_cmd"), ("talon.cli_audit", "audit_group")):
        try:
            mod = __import__(module, fromlist=[attr])
        except ImportError as e:
            if e.name != module:
                raise
            continue
        cli.add_command(getattr(mod, attr))


_register_optional()
click_ru.russify(cli)


def main(argv: list[str] | None = None) -> None:
    """Entry point: every error a person can cause becomes one line and an exit status."""
    from queue_core.domain import BadArgument, CatalogMismatch, StorageError, TalonError

    try:
        status = cli.main(args=argv, prog_name="talon", standalone_mode=False)
        if isinstance(status, int) and status:  # ctx.exit(n) returns n here instead of exiting
            sys.exit(status)
    except click.exceptions.Abort:
        click.echo("Прервано", err=True)
        sys.exit(EXIT_REFUSED)
    except click.ClickException as e:
        if type(e).__name__ == "NoArgsIsHelpError":  # a bare group (`talon ticket`): show what exists
            click.echo(e.ctx.get_help())
            sys.exit(0)
        click.echo(f"ошибка: {e.format_message()}", err=True)
        sys.exit(EXIT_USAGE if isinstance(e, click.UsageError) else e.exit_code)
    except ConfigError as e:
        click.echo(f"ошибка конфигурации: {e}", err=True)
        sys.exit(EXIT_USAGE)
    except CatalogMismatch as e:  # the line says what differs and which command applies the config
        click.echo(f"ошибка: {e}", err=True)
        sys.exit(EXIT_STORAGE)
    except StorageError as e:
        from queue_core.db import reason_ru

        why = reason_ru(e)
        click.echo(f"ошибка базы данных: {e}" + (f" ({why})" if why else ""), err=True)
        sys.exit(EXIT_STORAGE)
    except BadArgument as e:
        click.echo(f"ошибка: {e}", err=True)
        sys.exit(EXIT_USAGE)
    except TalonError as e:
        click.echo(f"отказ: {e}", err=True)
        sys.exit(EXIT_REFUSED)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
