"""How times, durations, categories and events read on the staff screens (Russian, office-local)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from queue_core.config import Config
from queue_core.domain import EventInfo, EventKind, TicketInfo

EVENT_RU = {
    EventKind.ISSUED: "выдан",
    EventKind.CALLED: "вызван",
    EventKind.RECALLED: "повторный вызов",
    EventKind.STARTED: "обслуживание начато",
    EventKind.FINISHED: "обслуживание завершено",
    EventKind.NO_SHOW: "неявка",
    EventKind.REDIRECTED: "перенаправлен",
    EventKind.POSTPONED: "отложен",
    EventKind.RETURNED: "вернулся в очередь",
    EventKind.CANCELLED: "отменён",
    EventKind.EXPIRED: "истёк",
    EventKind.CATEGORY_VERIFIED: "категория подтверждена",
    EventKind.CATEGORY_DECLINED: "категория отклонена",
    EventKind.PRINTED: "напечатан",
    EventKind.PRINT_FAILED: "сбой печати",
    EventKind.RATED: "оценка",
}

CHANNEL_RU = {"kiosk": "киоск", "informator": "информатор", "api": "API"}


def local_hm(instant: datetime | None, tz: ZoneInfo) -> str:
    return instant.astimezone(tz).strftime("%H:%M") if instant else "—"


def local_hms(instant: datetime | None, tz: ZoneInfo) -> str:
    return instant.astimezone(tz).strftime("%H:%M:%S") if instant else "—"


def duration(seconds: float | None) -> str:
    """``7 мин 05 с``, ``1 ч 12 мин``, ``45 с``; a dash for nothing."""
    if seconds is None:
        return "—"
    s = max(0, int(round(seconds)))
    if s < 60:
        return f"{s} с"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m} мин {s:02d} с"
    h, m = divmod(m, 60)
    return f"{h} ч {m:02d} мин"


def minutes(seconds: float | None) -> str:
    """Coarse: ``12 мин``, ``1 ч 05 мин`` — for queues, where seconds are noise."""
    if seconds is None:
        return "—"
    m = max(0, int(seconds)) // 60
    return f"{m} мин" if m < 60 else f"{m // 60} ч {m % 60:02d} мин"


def category_label(config: Config, slug: str) -> str:
    try:
        c = config.category(slug)
    except KeyError:
        return slug
    return c.short_name or c.name


def category_document(config: Config, slug: str) -> str:
    try:
        return config.category(slug).document
    except KeyError:
        return ""


def is_priority(config: Config, slug: str) -> bool:
    try:
        c = config.category(slug)
    except KeyError:
        return False
    return c.priority > 0 or c.out_of_turn


def target_wait_min(config: Config, ticket: TicketInfo) -> int:
    try:
        cat = config.category(ticket.category).target_wait_min
    except KeyError:
        cat = None
    try:
        svc = config.service(ticket.service).target_wait_min
    except KeyError:
        svc = 15
    return cat or svc


def event_details(e: EventInfo) -> str:
    """The interesting part of an event's data, in words."""
    d = e.data or {}
    parts = []
    if d.get("reason"):
        parts.append(str(d["reason"]))
    if d.get("to_service"):
        parts.append(f"→ {d['to_service']}")
    if d.get("minutes"):
        parts.append(f"на {d['minutes']} мин")
    if d.get("result_code"):
        parts.append(str(d["result_code"]))
    if d.get("rating"):
        parts.append(f"оценка {d['rating']}")
    if d.get("at_issue"):
        parts.append("при выдаче")
    if d.get("direct"):
        parts.append("обслужен у информатора")
    if d.get("auto"):
        parts.append("автоматически")
    if d.get("channel"):
        parts.append(CHANNEL_RU.get(d["channel"], d["channel"]))
    return "; ".join(parts)
