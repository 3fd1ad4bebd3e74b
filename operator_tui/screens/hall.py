"""The supervisor's screen: the hall read-only, today's numbers and waits by hour."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Label, Sparkline

from queue_core.domain import QueueSnapshot, StaffSession

from ..format import duration, local_hm
from ..kpi import TodayKpis, today_kpis
from ..widgets.banner import DbBanner
from ..widgets.hall import HallView
from ..widgets.topbar import TopBar
from .base import LiveScreen


class KpiHallView(HallView):
    def side(self) -> ComposeResult:
        with Vertical(id="kpi-box"):
            yield Label("Сегодня", classes="section")
            yield Label("—", id="kpi")
            yield Label("Ожидание по часам, мин", classes="section", id="spark-title")
            yield Sparkline([], id="waits-by-hour")
            yield Label("", id="spark-axis")


class HallScreen(LiveScreen[tuple[QueueSnapshot, TodayKpis]]):
    BINDINGS = [Binding("f12", "logout", "Выход", key_display="F12")]

    def __init__(self, who: StaffSession) -> None:
        super().__init__()
        self.who = who
        self.snap: QueueSnapshot | None = None

    def compose(self) -> ComposeResult:
        yield TopBar()
        yield DbBanner()
        yield KpiHallView(self.config)
        yield Footer(compact=True)

    def load(self) -> tuple[QueueSnapshot, TodayKpis] | None:
        snap = self.feed.snapshot()
        return None if snap is None else (snap, today_kpis(self.service, snap))

    def show(self, data: tuple[QueueSnapshot, TodayKpis]) -> None:
        self.snap, k = data
        self.redraw_time()
        pct = "—" if k.within_target_pct is None else f"{k.within_target_pct:.0f} %"
        self.query_one("#kpi", Label).update(
            f"Вызвано: {k.called} · ждут сейчас: {k.waiting}\n"
            f"Ожидание, среднее: {duration(k.wait_mean_s)}\n"
            f"медиана: {duration(k.wait_median_s)} · макс.: {duration(k.wait_max_s)}\n"
            f"В пределах цели: {pct}\n"
            f"Участники СВО: {k.svo_called}, макс. ожидание {duration(k.svo_wait_max_s)}\n"
            f"За неделю: вызвано {k.week_called}, ожидание {duration(k.week_wait_mean_s)}, "
            f"в пределах цели {'—' if k.week_within_target_pct is None else f'{k.week_within_target_pct:.0f} %'}, "
            f"СВО {k.week_svo}")
        spark = self.query_one("#waits-by-hour", Sparkline)
        spark.data = [m for _, m in k.wait_by_hour] or [0.0]
        if k.wait_by_hour:
            peak = max(m for _, m in k.wait_by_hour)
            first, last = k.wait_by_hour[0][0], k.wait_by_hour[-1][0]
            self.query_one("#spark-axis", Label).update(f"{first:02d}:00 … {last:02d}:00, пик {peak:.0f} мин")

    def redraw_time(self) -> None:
        now = self.app.clock.now()
        self.query_one(TopBar).set_parts(f"Обзор зала · {self.who.full_name} (только просмотр)",
                                         f"{self.config.office.name} · {local_hm(now, self.config.office.tz)}")
        if self.snap is not None:
            self.query_one(HallView).show(self.snap, now)

    def action_logout(self) -> None:
        self.app.show_login()
