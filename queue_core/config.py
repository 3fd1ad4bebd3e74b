"""Talon configuration: one pydantic model read from TOML, built once and passed in.

Resolution order of the file: ``--config`` > ``TALON_CONFIG`` > ``./config.toml``.
``TALON_DATABASE_URL`` overrides ``[database].url``. A relative SQLite path and a
relative spool folder are resolved against the folder of the config file.

Every invalid value raises :class:`ConfigError` whose message is one line naming
the field, e.g. ``windows[2].services: неизвестная услуга «xyz»``.
"""

from __future__ import annotations

import os
import re
import string
import tomllib
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES_RU = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")
_HOURS_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_SLUG_RE = re.compile(r"^[a-z][a-z0-9_-]*$")


def _slug(v: str) -> str:
    if not _SLUG_RE.match(v):
        raise ValueError(f"«{v}»: латинские строчные буквы, цифры, - и _")
    return v


Slug = Annotated[str, AfterValidator(_slug)]  # an id a person writes in config.toml: payments, svo
NO_BASIS = ("", "-", "—", "–")  # how a category without a legal basis (the regular queue) may write it
CODE_MAX_LEN = 16  # the width of ticket.code in the schema
BUSIEST_DAY = 9999  # the highest number a ticket code must still fit for


def _shown(value: object) -> str:
    """A value as typed, with control characters escaped so that an error stays one line."""
    return repr(str(value))[1:-1]


class ConfigError(Exception):
    """A configuration problem a person can fix; ``str()`` is one line naming the field."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Hours(_Model):
    """Opening hours of one weekday, written ``"08:00-17:00"``."""

    opens: time
    closes: time  # 23:59:59 for "24:00", with to_midnight set
    to_midnight: bool = False

    @classmethod
    def parse(cls, text: str) -> "Hours":
        m = _HOURS_RE.match(text)
        if not m:
            raise ValueError(f"часы «{text}» должны выглядеть как 08:00-17:00")
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
            raise ValueError(f"часы «{text}»: такого времени нет")
        opens, closes = time(h1, m1), time(23, 59, 59) if h2 == 24 else time(h2, m2)
        if closes <= opens:
            raise ValueError(f"часы «{text}»: закрытие раньше открытия")
        return cls(opens=opens, closes=closes, to_midnight=h2 == 24)

    def closing(self, day: date, tz: ZoneInfo) -> datetime:
        """The closing instant of ``day``: for 24:00, the first instant of the next day."""
        if self.to_midnight:
            return datetime.combine(day + timedelta(days=1), time(0), tz)
        return datetime.combine(day, self.closes, tz)

    def __str__(self) -> str:
        return f"{self.opens:%H:%M}–{'24:00' if self.to_midnight else f'{self.closes:%H:%M}'}"


class OfficeConfig(_Model):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1)
    company: str = ""
    address: str = ""
    timezone: str = "Europe/Moscow"
    hours: dict[str, Hours] = Field(default_factory=dict)
    last_ticket_min: int = Field(15, ge=0, le=240)
    number_format: str = "{prefix}-{number:03d}"

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"неизвестный часовой пояс «{v}» (пример: Asia/Omsk)") from None
        return v

    @field_validator("number_format")
    @classmethod
    def _number_format(cls, v: str) -> str:
        try:
            fields = {name for _, name, _, _ in string.Formatter().parse(v) if name is not None}
            first, second, longest = (v.format(prefix="Ж", number=n) for n in (1, 2, BUSIEST_DAY))
        except (KeyError, IndexError, ValueError) as e:
            raise ValueError(f"формат номера допускает только {{prefix}} и {{number}} ({e})") from None
        if "number" not in fields or first == second:
            raise ValueError(f"формат номера «{_shown(v)}» должен содержать {{number}}: иначе у талонов одинаковые номера")
        if len(longest) > CODE_MAX_LEN:
            raise ValueError(f"формат номера «{_shown(v)}» даёт «{_shown(longest)}»: длиннее {CODE_MAX_LEN} символов")
        return v

    @field_validator("hours", mode="before")
    @classmethod
    def _hours(cls, v: object) -> object:
        if not isinstance(v, dict):
            raise ValueError("ожидается таблица вида mon = \"08:00-17:00\"")
        out = {}
        for day, text in v.items():
            if day not in WEEKDAYS:
                raise ValueError(f"неизвестный день «{day}» (mon, tue, … sun)")
            out[day] = Hours.parse(str(text)) if isinstance(text, str) else text
        return out

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def hours_text(self) -> str:
        """Office hours for a screen: ``Пн–Пт 08:00–17:00``-like, one entry per day group."""
        parts: list[str] = []
        i = 0
        while i < 7:
            h = self.hours.get(WEEKDAYS[i])
            j = i
            while j + 1 < 7 and self.hours.get(WEEKDAYS[j + 1]) == h:
                j += 1
            if h is not None:
                days = WEEKDAY_NAMES_RU[i] if i == j else f"{WEEKDAY_NAMES_RU[i]}–{WEEKDAY_NAMES_RU[j]}"
                parts.append(f"{days} {h}")
            i = j + 1
        return ", ".join(parts) or "часы работы не заданы"


class ServiceConfig(_Model):
    id: Slug
    prefix: str = Field(min_length=1)
    name: str = Field(min_length=1)
    segment: Literal["b2c", "b2b"] = "b2c"
    target_wait_min: int = Field(15, ge=1, le=600)
    active: bool = True

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, v: str) -> str:
        if len(v) != 1 or not v.isalpha():
            raise ValueError(f"префикс «{_shown(v)}» должен быть одной буквой")
        return v.upper()


class CategoryConfig(_Model):
    id: Slug
    name: str = Field(min_length=1)
    short_name: str = ""
    kiosk_label: str = ""
    document: str = ""
    priority: int = Field(0, ge=0, le=1000)
    out_of_turn: bool = False
    verify: bool = False
    target_wait_min: int | None = Field(None, ge=1, le=600)
    basis: str = ""  # the act or programme that grants the right (the register of rights, DESIGN.md §3)
    valid_from: date | None = None  # first day in force (inclusive)
    valid_to: date | None = None  # last day in force (inclusive)

    @field_validator("basis")
    @classmethod
    def _basis(cls, v: str) -> str:
        return "" if v in NO_BASIS else v  # «—» is how a person writes "none"; stored as empty

    @property
    def label(self) -> str:
        return self.short_name or self.name

    @property
    def has_basis(self) -> bool:
        return bool(self.basis)


class WindowConfig(_Model):
    number: int = Field(ge=0, le=999)
    name: str = ""
    role: Literal["operator", "informator"] = "operator"
    services: dict[str, Annotated[int, Field(ge=0, le=100)]]

    @property
    def title(self) -> str:
        return self.name or f"Окно {self.number}"


class PolicyConfig(_Model):
    recall_limit: int = Field(2, ge=0, le=10)
    redirect_position: Literal["front", "back"] = "front"
    return_position: Literal["front", "back"] = "front"
    max_priority_streak: int = Field(0, ge=0, le=100)
    starvation_wait_min: int = Field(30, ge=1, le=600)
    default_service_min: float = Field(10.0, gt=0, le=240)
    postpone_max_min: int = Field(120, ge=1, le=600)


class PrinterConfig(_Model):
    backend: Literal["spool", "network", "usb", "serial", "file", "cups", "none"] = "spool"
    mode: Literal["text", "raster"] = "text"
    paper_width_mm: Literal[58, 80] = 80
    profile: str = "TM-T20II"
    codepage_slot: int = Field(17, ge=0, le=255)
    spool_dir: Path = Path("spool")
    host: str = "127.0.0.1"
    port: int = Field(9100, ge=1, le=65535)
    timeout_s: float = Field(5.0, gt=0, le=60)
    usb_vendor_id: int | None = None
    usb_product_id: int | None = None
    serial_port: str = "/dev/ttyUSB0"
    baudrate: int = 19200
    device: str = "/dev/usb/lp0"
    cups_queue: str = ""
    font_path: Path | None = None
    qr_url_template: str = ""
    footer: str = "Оцените качество обслуживания — отсканируйте QR-код"
    check_paper: bool = True

    @field_validator("usb_vendor_id", "usb_product_id", mode="before")
    @classmethod
    def _hex(cls, v: object) -> object:
        if isinstance(v, str):
            try:
                return int(v, 16)
            except ValueError:
                raise ValueError(f"«{v}»: шестнадцатеричный код, например 0x04b8") from None
        return v

    @field_validator("qr_url_template")
    @classmethod
    def _template(cls, v: str) -> str:
        try:
            v.format(office="o", day="d", code="c", id=1)
        except (KeyError, IndexError, ValueError) as e:
            raise ValueError(f"допустимы только {{office}}, {{day}}, {{code}}, {{id}} ({e})") from None
        return v


class KioskConfig(_Model):
    ticket_screen_s: int = Field(8, ge=2, le=120)
    fault_screen_s: int = Field(30, ge=5, le=300)
    idle_reset_s: int = Field(30, ge=5, le=600)


class BoardConfig(_Model):
    history: int = Field(8, ge=1, le=30)
    highlight_s: int = Field(8, ge=1, le=60)
    poll_s: float = Field(0.5, ge=0.2, le=5)
    bell: bool = True
    voice: bool = False
    voice_command: str = "espeak-ng"
    windows: list[int] = Field(default_factory=list)
    services: list[str] = Field(default_factory=list)


class OperatorUiConfig(_Model):
    result_codes: list[str] = Field(default_factory=list)
    ask_rating: bool = False
    refresh_s: float = Field(1.0, ge=0.2, le=10)


_URL_EXAMPLES = "поддерживаются sqlite:///путь и postgresql+psycopg://user@host/db"


class DatabaseConfig(_Model):
    url: str = "sqlite:///talon.db"
    echo: bool = False
    # A process whose clock is further than this from the database's refuses to write (DESIGN.md §11).
    clock_skew_max_s: float = Field(30, gt=0)

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        from sqlalchemy.engine import make_url  # lazily: config is read before anything needs SQL
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(v)
        except ArgumentError:
            raise ValueError(f"адрес не разобран; {_URL_EXAMPLES}") from None
        if url.drivername in ("sqlite", "sqlite+pysqlite"):
            if url.host or url.port or url.username:
                raise ValueError(f"«{_shown(v)}»: путь к файлу SQLite пишется после трёх косых черт: sqlite:///talon.db")
        elif url.drivername != "postgresql+psycopg":
            raise ValueError(f"драйвер «{_shown(url.drivername)}» не поддерживается; {_URL_EXAMPLES}")
        elif not url.database:
            raise ValueError("в адресе PostgreSQL нет имени базы: postgresql+psycopg://user@host/db")
        return v


class Config(_Model):
    office: OfficeConfig
    services: list[ServiceConfig] = Field(min_length=1)
    categories: list[CategoryConfig] = Field(min_length=1)
    windows: list[WindowConfig] = Field(min_length=1)
    policy: PolicyConfig = PolicyConfig()
    printer: PrinterConfig = PrinterConfig()
    kiosk: KioskConfig = KioskConfig()
    board: BoardConfig = BoardConfig()
    operator: OperatorUiConfig = OperatorUiConfig()
    database: DatabaseConfig = DatabaseConfig()
    path: Path | None = Field(None, exclude=True)

    @model_validator(mode="after")
    def _cross(self) -> "Config":
        _unique(self.services, "id", "services", "услуга")
        _unique(self.services, "prefix", "services", "префикс")
        _unique(self.categories, "id", "categories", "категория")
        _unique(self.windows, "number", "windows", "номер окна")
        if not any(c.id == "regular" for c in self.categories):
            raise ValueError("categories: нужна категория с id = \"regular\" (обычная очередь)")
        for i, c in enumerate(self.categories):
            _check_right(i, c)
        known = {s.id for s in self.services}
        for i, w in enumerate(self.windows):
            for sid in w.services:
                if sid not in known:
                    raise ValueError(f"windows[{i}].services: неизвестная услуга «{sid}»")
        for field in ("windows", "services"):
            for v in getattr(self.board, field):
                pool = {w.number for w in self.windows} if field == "windows" else known
                if v not in pool:
                    raise ValueError(f"board.{field}: неизвестное значение «{v}»")
        return self

    # --- look-ups used everywhere -------------------------------------------------
    def service(self, service_id: str) -> ServiceConfig:
        for s in self.services:
            if s.id == service_id:
                return s
        raise KeyError(service_id)

    def category(self, category_id: str) -> CategoryConfig:
        for c in self.categories:
            if c.id == category_id:
                return c
        raise KeyError(category_id)

    def window(self, number: int) -> WindowConfig:
        for w in self.windows:
            if w.number == number:
                return w
        raise KeyError(number)

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    @property
    def database_url(self) -> str:
        """The database URL with a relative SQLite path resolved against the config's folder."""
        url = self.database.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and url != "sqlite:///:memory:":
            p = Path(url[len(prefix):])
            if not p.is_absolute():
                return prefix + str((self.base_dir / p).resolve())
        return url

    @property
    def spool_dir(self) -> Path:
        p = self.printer.spool_dir
        return p if p.is_absolute() else (self.base_dir / p)


def _check_right(i: int, c: CategoryConfig) -> None:
    """A right to be served out of turn or on a document is granted by some act: the register names it."""
    where = f"categories[{i}]"
    if (c.out_of_turn or c.verify) and not c.has_basis:
        what = "внеочередного обслуживания" if c.out_of_turn else "категории с проверкой документа"
        raise ValueError(f"{where}.basis: укажите правовое основание {what} (нормативный акт или программа), "
                         f"категория «{c.id}»")
    if c.id == "regular" and (c.valid_from or c.valid_to):
        raise ValueError(f"{where}: у обычной очереди не бывает срока действия (valid_from, valid_to)")
    if c.valid_from and c.valid_to and c.valid_to < c.valid_from:
        raise ValueError(f"{where}.valid_to: {c.valid_to:%d.%m.%Y} раньше valid_from {c.valid_from:%d.%m.%Y}")


def _unique(items: list, attr: str, where: str, what: str) -> None:
    seen: set = set()
    for i, item in enumerate(items):
        v = getattr(item, attr)
        if v in seen:
            raise ValueError(f"{where}[{i}].{attr}: {what} «{v}» уже есть")
        seen.add(v)


# pydantic's messages by error type, in Russian; {…} are filled from the error's context.
_PYDANTIC_RU = {
    "missing": "обязательное поле не задано",
    "extra_forbidden": "неизвестное поле",
    "dict_type": "ожидается таблица вида ключ = значение",
    "model_type": "ожидается таблица вида ключ = значение",
    "list_type": "ожидается список [ … ]",
    "string_type": "ожидается строка в кавычках",
    "int_type": "ожидается целое число",
    "int_parsing": "ожидается целое число",
    "int_from_float": "ожидается целое число",
    "float_type": "ожидается число",
    "float_parsing": "ожидается число",
    "bool_type": "ожидается true или false",
    "bool_parsing": "ожидается true или false",
    "path_type": "ожидается путь к файлу",
    "date_type": "ожидается дата, например 2025-01-01",
    "date_parsing": "ожидается дата, например 2025-01-01",
    "date_from_datetime_parsing": "ожидается дата, например 2025-01-01",
    "date_from_datetime_inexact": "ожидается дата без времени, например 2025-01-01",
    "string_too_short": "нужно не меньше {min_length} симв.",
    "string_too_long": "допустимо не больше {max_length} симв.",
    "too_short": "нужно не меньше {min_length} элем.",
    "too_long": "допустимо не больше {max_length} элем.",
    "greater_than_equal": "должно быть не меньше {ge}",
    "greater_than": "должно быть больше {gt}",
    "less_than_equal": "должно быть не больше {le}",
    "less_than": "должно быть меньше {lt}",
    "literal_error": "недопустимое значение «{input}»; допустимо: {expected}",
}


def _one_line(e: ValidationError) -> str:
    err = e.errors()[0]
    loc = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in err["loc"]).replace(".[", "[")
    if err["type"] == "value_error":
        msg = str(err["msg"]).removeprefix("Value error, ")
    else:
        ctx = {k: str(v).replace(" or ", " или ") for k, v in (err.get("ctx") or {}).items()}
        template = _PYDANTIC_RU.get(err["type"], "недопустимое значение «{input}»")
        msg = template.format(input=_shown(err.get("input")), **ctx)
    return f"{loc}: {msg}" if loc else msg


def resolve_config_path(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return Path(explicit)
    env = os.environ.get("TALON_CONFIG")
    return Path(env) if env else Path("config.toml")


def parse_config(data: dict, path: Path | None = None) -> Config:
    """Validate a parsed TOML document; environment overrides are applied here."""
    data = dict(data)
    env_url = os.environ.get("TALON_DATABASE_URL")
    if env_url:
        data["database"] = {**data.get("database", {}), "url": env_url}
    try:
        cfg = Config.model_validate(data)
    except ValidationError as e:
        raise ConfigError(_one_line(e)) from None
    except ValueError as e:  # raised by model validators outside pydantic's wrapping
        raise ConfigError(str(e)) from None
    return cfg.model_copy(update={"path": path.resolve() if path else None})


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Read and validate the config file; raise :class:`ConfigError` with one line on any problem."""
    p = resolve_config_path(path)
    try:
        with open(p, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{p}: файл конфигурации не найден (укажите --config или TALON_CONFIG)") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{p}: ошибка синтаксиса TOML: {e}") from None
    except OSError as e:
        raise ConfigError(f"{p}: не удаётся прочитать файл: {e.strerror}") from None
    try:
        return parse_config(data, p)
    except ConfigError as e:
        raise ConfigError(f"{p}: {e}") from None
