"""The report as an Excel workbook (xlsxwriter, imported lazily): a summary sheet with the
programme's measures, one sheet per grouping, the audit, and native charts (waiting time by hour,
tickets by day). Times are minutes (number format ``0.0``), shares are percentages (``0.0%``)."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .model import GROUPINGS, Metrics, Report
from .text import RULES_RU

if TYPE_CHECKING:  # xlsxwriter is imported where the workbook is written
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

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
    if report.rights:
        _rights_sheet(wb, f, report)
    wb.close()
    return path


class _Formats:
    def __init__(self, wb: Workbook) -> None:
        self.header = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7",
                                     "border": 1})
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.bold = wb.add_format({"bold": True})
        self.total = wb.add_format({"bold": True, "top": 1})
        self.kind = {"n": wb.add_format({"num_format": "0"}), "m": wb.add_format({"num_format": "0.0"}),
                     "p": wb.add_format({"num_format": "0.0%"}), "r": wb.add_format({"num_format": "0.00"})}
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.top = wb.add_format({"valign": "top"})
        self.ok = wb.add_format({"bold": True, "font_color": "#1E7B34"})
        self.bad = wb.add_format({"bold": True, "font_color": "#C00000"})


def _group_sheet(ws: Worksheet, f: _Formats, title: str, rows: list[tuple[str, Metrics]]) -> None:
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


def _chart(wb: Workbook, ws: Worksheet, kind: str, title: str, last: int, series: list[tuple[int, str]], *, y_title: str,
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


def _summary(wb: Workbook, f: _Formats, report: Report) -> None:
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
        "Обслуживание вне очереди",
        (f"Категории: {report.out_of_turn_names} (основания — на листе «Реестр прав»)", None, "wrap"),
        ("Талонов категорий вне очереди", o.count, "n"),
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
        elif line[2] == "wrap":  # a sentence, not a measure: wrapped in the label column
            ws.write(r, 0, line[0], f.wrap)
            ws.set_row(r, 15 * _lines(line[0], 78))
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


def _audit_sheet(wb: Workbook, f: _Formats, report: Report) -> None:
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


def _lines(text: str, width: int) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide (about: words move whole).
    Row heights are set by hand: a wrapped row is not made taller by every spreadsheet program."""
    lines, used = 1, 0
    for word in text.split():
        if used and used + 1 + len(word) > width:
            lines, used = lines + 1, len(word)
        else:
            used += (1 if used else 0) + len(word)
    return lines


def _rights_sheet(wb, f: _Formats, report: Report) -> None:  # noqa: ANN001
    """«Реестр прав»: who is served before others, on what legal basis, from/until which day."""
    ws = wb.add_worksheet("Реестр прав")
    wrap, top = f.wrap, f.top
    day = wb.add_format({"num_format": "dd.mm.yyyy", "valign": "top", "align": "left"})
    centre = wb.add_format({"valign": "top", "align": "center"})
    ws.write(0, 0, f"Реестр прав: категории посетителей и их основания ({report.period.label})", f.title)
    headers = ["Категория", "Код", "Приоритет", "Вне очереди", "Проверка документа", "Основание",
               "Действует с", "Действует по", "В периоде отчёта"]
    widths = (34, 10, 10, 11, 11, 70, 12, 12, 16)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    ws.write_row(2, 0, headers, f.header)
    ws.set_row(2, 30)
    for r, right in enumerate(report.rights, 3):
        ws.set_row(r, 15 * max(_lines(right.name, widths[0] - 2), _lines(right.basis or "—", widths[5] - 2)))
        ws.write_string(r, 0, right.name, wrap)
        ws.write_string(r, 1, right.category, top)
        ws.write_number(r, 2, right.priority, centre)
        ws.write_string(r, 3, "да" if right.out_of_turn else "нет", centre)
        ws.write_string(r, 4, "да" if right.verify else "нет", centre)
        ws.write_string(r, 5, right.basis or "—", wrap)
        for col, value in ((6, right.valid_from), (7, right.valid_to)):
            if value:
                ws.write_datetime(r, col, datetime.combine(value, time()), day)
            else:
                ws.write_string(r, col, "—" if col == 6 else "бессрочно", top)
        ws.write_string(r, 8, right.in_period_ru(report.period), top)
    ws.freeze_panes(3, 1)
