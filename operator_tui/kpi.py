"""Today's numbers for the supervisor's screen.

:func:`today_kpis` is the one hook for the KPI report: when ``queue_core.reports`` can compute the
§8 KPIs for a period, call it here (period = today) and fill :class:`TodayKpis` from its result.
Until then the numbers come from the live snapshot and today's first calls.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from queue_core.domain import QueueSnapshot


@dataclass(frozen=True)
class TodayKpis:
    called: int
    waiting: int
    wait_mean_s: float | None
    wait_median_s: float | None
    wait_max_s: float | None
    within_target_pct: float | None
    svo_called: int
    svo_wait_max_s: float | None
    wait_by_hour: tuple[tuple[int, float], ...]  # (local hour, mean wait in minutes), opening to now


def today_kpis(service, snapshot: QueueSnapshot) -> TodayKpis:  # noqa: ANN001 - QueueService
    """The KPI hook (see the module docstring). Blocking: call from a thread worker."""
    from queue_core.today import first_calls_today

    calls = first_calls_today(service)
    config, tz = service.config, service.tz
    waits = [c.wait_s for c in calls]
    within = 0
    for c in calls:
        target = _target_min(config, c.service, c.category)
        within += c.wait_s <= target * 60
    svo = [c.wait_s for c in calls if c.category == "svo"]
    hours: dict[int, list[float]] = {}
    for c in calls:
        hours.setdefault(c.called_at.astimezone(tz).hour, []).append(c.wait_s / 60)
    now_h = snapshot.at.astimezone(tz).hour
    first_h = min(hours, default=now_h)
    opens = _opening_hour(config, snapshot)
    start = min(first_h, opens) if opens is not None else first_h
    by_hour = tuple((h, statistics.fmean(hours[h]) if h in hours else 0.0) for h in range(start, max(now_h, first_h) + 1))
    return TodayKpis(
        called=len(calls), waiting=snapshot.waiting_total,
        wait_mean_s=statistics.fmean(waits) if waits else None,
        wait_median_s=statistics.median(waits) if waits else None,
        wait_max_s=max(waits, default=None),
        within_target_pct=100.0 * within / len(calls) if calls else None,
        svo_called=len(svo), svo_wait_max_s=max(svo, default=None), wait_by_hour=by_hour,
    )


def _target_min(config, service: str, category: str) -> int:  # noqa: ANN001
    cat = next((c for c in config.categories if c.id == category), None)
    svc = next((s for s in config.services if s.id == service), None)
    return (cat.target_wait_min if cat else None) or (svc.target_wait_min if svc else 15)


def _opening_hour(config, snapshot: QueueSnapshot) -> int | None:  # noqa: ANN001
    from queue_core.config import WEEKDAYS

    hours = config.office.hours.get(WEEKDAYS[snapshot.day.weekday()])
    return hours.opens.hour if hours else None
