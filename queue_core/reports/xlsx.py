"""The report as an Excel workbook (xlsxwriter, imported lazily): a summary sheet with the
programme's measures, one sheet per grouping, the audit, and native charts (waiting time by hour,
tickets by day). Times are minutes (number format ``0.0``), shares are percentages (``0.0%``)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from .model import GROUPINGS, Metrics, Report
from .text import RULES_RU

SHEETS = {"service": "Услуги", "category": "Категории", "segment": "Сегменты", "day": "По дням",
          "hour": "По часам", "window": "Окна", "operator": "Операторы", "office": "Офисы"}
# (header, metric, kind): "n" count, "m" seconds written as minutes, "p" percent, "r" rating.
COLUMNS = (
    ("Выдано талонов", "issued", "n"), ("Вызвано", "called", "n"), ("Обслужено", "served", "n"),
    ("Неявка", "no_show", "n"), ("Отменено", "cancelled", "n"), ("Истёк срок", "expired", "n"),
    ("Перенаправлено", "redirected", "n"), ("Ожидание среднее, мин", "wait_mean_s", "m"),
    ("Ожидание медиана, мин", "wait_median_s", "m"), ("Ожидание 90-й перцентиль, мин", "wait_p90_s", "m"),
    ("Ожидание максимум, мин", "wait_max_s", "m"), ("Суммарное ожидание среднее, мин", "total_wait_mean_s", "m"),
    ("В пределах норматива", "within_target_pct", "p"), ("Обслуживание среднее, мин", "service_mean_s", "m"),
    ("Обслуживание медиана, мин", "service_median_s", "m"), ("Подход к окну средний, мин", "walk_mean_s", "m"),
    ("Оценок", "rating_count", "n"), ("Средняя оценка", "rating_mean", "r"), ("Доля оценок 4–5", "rating_top2_pct", "p"),
)


def cell_value(value: object, kind: str) -> object:
    """The number a cell holds for a metric (tests read it back with openpyxl)."""
    if value is None:
        return None
    if kind == "m":
        return value / 60.0
    if kind == "p":
        return value / 100.0
    return value


def write_xlsx(report: Report, path: str | Path) -> Path:
    import xlsxwriter  # lazy: only this command needs it

    path = Path(path)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    f = _Formats(wb)
    _summary(wb, f, report)
    for name, groups in report.groups.items():
        ws = wb.add_worksheet(SHEETS.get(name, name)[:31])
        rows = [(g.label, g.metrics) for g in groups] + [("Всего", report.total)]
        _group_sheet(ws, f, GROUPINGS[name], rows)
        last = len(groups)  # data rows are 1..last (row 0 is the header; the total after them)
        if name == "hour" and groups:
            _chart(wb, ws, "column", "Ожидание по часам, мин", last, [(8, "Среднее"), (10, "90-й перцентиль")],
                   y_title="минуты", x_title="час выдачи талона")
        if name == "day" and groups:
            _chart(wb, ws, "line", "Талоны по дням", last, [(1, "Выдано"), (3, "Обслужено")],
                   y_title="талонов", x_title="день")
    if report.priority_audit is not None:
        _audit_sheet(wb, f, report)
    wb.close()
    return path


class _Formats:
    def __init__(self, wb) -> None:  # noqa: ANN001
        self.header = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7",
                                     "border": 1})
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.bold = wb.add_format({"bold": True})
        self.total = wb.add_format({"bold": True, "top": 1})
        self.kind = {"n": wb.add_format({"num_format": "0"}), "m": wb.add_format({"num_format": "0.0"}),
                     "p": wb.add_format({"num_format": "0.0%"}), "r": wb.add_format({"num_format": "0.00"})}
        self.ok = wb.add_format({"bold": True, "font_color": "#1E7B34"})
        self.bad = wb.add_format({"bold": True, "font_color": "#C00000"})


def _group_sheet(ws, f: _Formats, title: str, rows: list[tuple[str, Metrics]]) -> None:  # noqa: ANN001
    ws.write_row(0, 0, [title] + [c[0] for c in COLUMNS], f.header)
    ws.set_row(0, 45)
    ws.set_column(0, 0, 34)
    ws.set_column(1, len(COLUMNS), 15)
    for r, (label, m) in enumerate(rows, 1):
        is_total = r == len(rows)
        ws.write_string(r, 0, label, f.total if is_total else None)
        for c, (_, key, kind) in enumerate(COLUMNS, 1):
            v = cell_value(getattr(m, key), kind)
            if v is None:
                ws.write_blank(r, c, None, f.kind[kind])
            else:
                ws.write_number(r, c, v, f.kind[kind])
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, max(1, len(rows) - 1), len(COLUMNS))


def _chart(wb, ws, kind: str, title: str, last: int, series: list[tuple[int, str]], *, y_title: str,  # noqa: ANN001
           x_title: str) -> None:
    chart = wb.add_chart({"type": kind})
    name = ws.get_name()
    for col, label in series:
        chart.add_series({"name": label, "categories": [name, 1, 0, last, 0], "values": [name, 1, col, last, col],
                          **({"marker": {"type": "circle", "size": 4}} if kind == "line" else {})})
    chart.set_title({"name": title})
    chart.set_y_axis({"name": y_title, "num_format": "0", "major_gridlines": {"visible": True}})
    chart.set_x_axis({"name": x_title, "num_font": {"rotation": -45} if last > 12 else {}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 760, "height": 380})
    ws.insert_chart(last + 3, 0, chart)


def _summary(wb, f: _Formats, report: Report) -> None:  # noqa: ANN001
    ws = wb.add_worksheet("Итоги")
    ws.set_column(0, 0, 78)
    ws.set_column(1, 1, 16)
    t, o, a = report.total, report.out_of_turn, report.priority_audit
    ws.write(0, 0, f"Отчёт о работе электронной очереди: {report.office_name}", f.title)
    ws.write(1, 0, f"Период: {report.period.label} ({report.period.start:%d.%m.%Y}–{report.period.end:%d.%m.%Y})")
    ws.write(2, 0, f"Сформирован: {report.generated_at.astimezone(ZoneInfo(report.timezone)):%d.%m.%Y %H:%M}")
    ws.write_row(4, 0, ["Показатель", "Значение"], f.header)
    ws.freeze_panes(5, 0)
    lines: list[tuple[str, object, str] | str] = [
        "Обслуживание участников СВО и членов их семей вне очереди",
        ("Талонов участников СВО и членов их семей", o.count, "n"),
        ("Документ проверен и подтверждён", o.verified, "n"),
        ("Категория отклонена (нет документа)", o.declined, "n"),
        ("Обслужено", o.served, "n"),
        ("Ожидание среднее, мин", o.wait_mean_s, "m"), ("Ожидание 90-й перцентиль, мин", o.wait_p90_s, "m"),
        ("Ожидание максимум, мин", o.wait_max_s, "m"), ("Вызваны в пределах норматива", o.within_target_pct, "p"),
    ]
    if a is not None:
        lines += [("Вызовов другого посетителя при ожидающем вне очереди (должно быть 0)", a.out_of_turn_violations, "n"),
                  ("Отступлений от порядка вызова (должно быть 0)", a.policy_deviations, "n")]
        for rule, info in a.exempt.items():
            lines.append((f"Учтено отдельно — {RULES_RU.get(rule, rule)}: вызовов", info["calls"], "n"))
    lines += [
        "Время ожидания",
        ("Выдано талонов", t.issued, "n"), ("Вызвано", t.called, "n"), ("Обслужено", t.served, "n"),
        ("Не явились", t.no_show, "n"), ("Отменены", t.cancelled, "n"), ("Истёк срок (не дождались закрытия)", t.expired, "n"),
        ("Перенаправлены", t.redirected, "n"),
        ("Ожидание среднее, мин", t.wait_mean_s, "m"), ("Ожидание медиана, мин", t.wait_median_s, "m"),
        ("Ожидание 90-й перцентиль, мин", t.wait_p90_s, "m"), ("Ожидание максимум, мин", t.wait_max_s, "m"),
        ("Вызваны в пределах норматива", t.within_target_pct, "p"),
        ("Обслуживание среднее, мин", t.service_mean_s, "m"), ("Обслуживание медиана, мин", t.service_median_s, "m"),
        "Удовлетворённость посетителей (5-балльная шкала)",
        ("Получено оценок", t.rating_count, "n"), ("Средняя оценка", t.rating_mean, "r"),
        ("Доля оценок 4–5", t.rating_top2_pct, "p"),
    ]
    r = 5
    for line in lines:
        if isinstance(line, str):
            r += 1 if r > 5 else 0
            ws.write(r, 0, line, f.bold)
        else:
            label, value, kind = line
            ws.write(r, 0, label)
            v = cell_value(value, kind)
            ws.write(r, 1, v, f.kind[kind]) if v is not None else ws.write_blank(r, 1, None)
        r += 1
    if a is not None:
        r += 1
        ws.write(r, 0, "Аудит очерёдности: нарушений нет" if a.ok else "Аудит очерёдности: ЕСТЬ НАРУШЕНИЯ",
                 f.ok if a.ok else f.bad)
    chain = report.event_log
    if chain is not None:
        r += 1
        ws.write(r, 0, chain.summary(), f.ok if chain.ok else f.bad)


def _audit_sheet(wb, f: _Formats, report: Report) -> None:  # noqa: ANN001
    a = report.priority_audit
    ws = wb.add_worksheet("Аудит очерёдности")
    ws.set_column(0, 0, 30)
    ws.set_column(1, 7, 16)
    ws.set_column(8, 8, 50)
    ws.write_row(0, 0, ["Правило вызова", "Вызовов"], f.header)
    r = 1
    for rule, n in a.calls_by_rule.items():
        ws.write(r, 0, RULES_RU.get(rule, rule))
        ws.write_number(r, 1, n)
        r += 1
    r += 1
    ws.write_row(r, 0, ["Замечание", "День", "Время", "Окно", "Вызван", "Раньше него ждал", "Правило", "", "Причина"],
                 f.header)
    kinds = {"out_of_turn_violation": "нарушение внеочередности", "policy_deviation": "отступление от порядка",
             **{k: f"учтено отдельно: {RULES_RU.get(k, k)}" for k in a.exempt}}
    tz = ZoneInfo(report.timezone)
    for fd in a.findings:
        r += 1
        ws.write_row(r, 0, [kinds.get(fd.kind, fd.kind), f"{fd.day:%d.%m.%Y}", f"{fd.at.astimezone(tz):%H:%M:%S}",
                            "" if fd.window is None else fd.window, fd.ticket, fd.ahead,
                            RULES_RU.get(fd.rule, fd.rule), "", fd.reason])
    ws.freeze_panes(1, 0)
