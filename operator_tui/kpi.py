"""Today's and this week's numbers for the supervisor's screen, from the KPI report itself
(:func:`queue_core.reports.compute_report`), so the screen and the quarterly report never disagree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from queue_core.domain import QueueSnapshot

if TYPE_CHECKING:
    from queue_core.protocol import QueueApi


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
    wait_by_hour: tuple[tuple[int, float], ...]  # (local hour of issue, mean wait in minutes)
    week_called: int = 0
    week_wait_mean_s: float | None = None
    week_within_target_pct: float | None = None
    week_svo: int = 0


def today_kpis(service: QueueApi, snapshot: QueueSnapshot) -> TodayKpis:
    """§8 KPIs of today (by hour) and of this week for the office. Blocking: call from a thread worker."""
    from queue_core.reports.period import Period

    today = service.report(Period.day(snapshot.day), by=["hour"], audit=False, now=snapshot.at)
    week = service.report(Period.week_of(snapshot.day), by=[], audit=False, now=snapshot.at)
    t, oot = today.total, today.out_of_turn
    by_hour = tuple((int(g.key), (g.metrics.wait_mean_s or 0.0) / 60) for g in today.groups.get("hour", ()))
    return TodayKpis(
        called=t.called, waiting=snapshot.waiting_total, wait_mean_s=t.wait_mean_s,
        wait_median_s=t.wait_median_s, wait_max_s=t.wait_max_s, within_target_pct=t.within_target_pct,
        svo_called=oot.called, svo_wait_max_s=oot.wait_max_s, wait_by_hour=by_hour,
        week_called=week.total.called, week_wait_mean_s=week.total.wait_mean_s,
        week_within_target_pct=week.total.within_target_pct, week_svo=week.out_of_turn.count,
    )
