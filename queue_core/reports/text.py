"""The report as text: a readable Russian table for the terminal, and CSV."""

from __future__ import annotations

import csv
import io

from .model import GROUPINGS, METRIC_KEYS, Metrics, Report

RULES_RU = {
    "out_of_turn": "вне очереди", "priority": "приоритетная категория", "service_weight": "основная услуга окна",
    "longest_wait": "ожидает дольше всех", "fallback_service": "резервная услуга окна",
    "anti_starvation": "защита от долгого ожидания", "by_code": "вызов по номеру",
    "direct": "обслуживание у информатора", "?": "без причины",
}
# (title, metric, kind): kind "n" a count, "t" seconds shown as м:сс, "p" a percentage, "r" a rating.
COLUMNS = (
    ("Выдано", "issued", "n"), ("Обслужено", "served", "n"), ("Неявка", "no_show", "n"),
    ("Отмена", "cancelled", "n"), ("Истёк", "expired", "n"), ("Перенапр.", "redirected", "n"),
    ("Ожид. ср.", "wait_mean_s", "t"), ("Медиана", "wait_median_s", "t"), ("p90", "wait_p90_s", "t"),
    ("Макс.", "wait_max_s", "t"), ("В нормативе", "within_target_pct", "p"),
    ("Обсл. ср.", "service_mean_s", "t"), ("Оценка", "rating_mean", "r"),
)


def fmt_duration(seconds: float | None) -> str:
    """``м:сс`` (or ``ч:мм:сс`` from an hour up); ``—`` when there is nothing to measure."""
    if seconds is None:
        return "—"
    s = int(round(seconds))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def fmt(value: object, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "t":
        return fmt_duration(value)  # type: ignore[arg-type]
    if kind == "p":
        return f"{value:.1f} %"
    if kind == "r":
        return f"{value:.2f}"
    return str(value)


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    return [line(headers), "  ".join("─" * w for w in widths), *(line(r) for r in rows)]


def _row(label: str, m: Metrics) -> list[str]:
    return [label] + [fmt(getattr(m, key), kind) for _, key, kind in COLUMNS]


def render_table(report: Report) -> str:
    """What ``talon report --format table`` prints."""
    out = [f"{report.office_name} — отчёт за {report.period.label} "
           f"({report.period.start:%d.%m.%Y}–{report.period.end:%d.%m.%Y})", ""]
    headers = [""] + [c[0] for c in COLUMNS]
    out += _table(headers, [_row("Всего", report.total)])
    for name, groups in report.groups.items():
        out += ["", f"{GROUPINGS[name]}:"]
        out += _table([GROUPINGS[name]] + headers[1:], [_row(g.label, g.metrics) for g in groups])
    t = report.total
    out += ["", f"Норматив ожидания: {t.within_target} из {t.target_base} "
                f"({fmt(t.within_target_pct, 'p')}); оценок {t.rating_count}, средняя {fmt(t.rating_mean, 'r')}, "
                f"«4–5» {fmt(t.rating_top2_pct, 'p')}"]
    o = report.out_of_turn
    out += ["", f"Вне очереди ({report.out_of_turn_names}):",
            f"  талонов {o.count}, документ подтверждён {o.verified}, отклонён {o.declined}, обслужено {o.served}",
            f"  ожидание: среднее {fmt_duration(o.wait_mean_s)}, p90 {fmt_duration(o.wait_p90_s)}, "
            f"макс. {fmt_duration(o.wait_max_s)}; в нормативе {fmt(o.within_target_pct, 'p')}"]
    a = report.priority_audit
    if a is not None:
        verdict = "нарушений нет" if a.ok else "ЕСТЬ НАРУШЕНИЯ"
        out += ["", f"Аудит очерёдности ({a.calls} вызовов): {verdict}",
                f"  вызовов мимо ожидающего вне очереди: {a.out_of_turn_violations}",
                f"  отступлений от порядка вызова: {a.policy_deviations}"]
        for rule, info in a.exempt.items():
            if info["calls"]:
                out.append(f"  {RULES_RU.get(rule, rule)}: вызовов {info['calls']}, "
                           f"из них раньше других ожидающих {info['deviations']}")
        for f in a.findings[:10]:
            out.append(f"  {f.day:%d.%m} окно {f.window}: {f.ticket} вызван раньше {f.ahead} "
                       f"({rule_and_reason(f.rule, f.reason)})")
    if report.event_log is not None:
        out += ["", report.event_log.summary()]
    out += render_rights(report)  # the register of rights closes the report, as its appendix
    return "\n".join(out) + "\n"


def render_rights(report: Report) -> list[str]:
    """«Реестр прав»: each category, what it gives, its legal basis and the days it is in force."""
    if not report.rights:
        return []
    out = ["", "Реестр прав (категории посетителей и их основания):"]
    for r in report.rights:
        gives = ", ".join(g for g, on in (("вне очереди", r.out_of_turn), ("проверка документа", r.verify)) if on)
        out.append(f"  {r.name} [{r.category}] — приоритет {r.priority}" + (f", {gives}" if gives else ""))
        out.append(f"    основание: {r.basis or '—'}")
        out.append(f"    срок действия: {r.validity_ru}; в периоде отчёта: {r.in_period_ru(report.period)}")
    return out


def rule_and_reason(rule: str, reason: str) -> str:
    """«вызов по номеру: по просьбе» — the rule once, though a stored reason usually starts with it."""
    label = RULES_RU.get(rule, rule)
    if not reason or reason == label:
        return label
    return reason if reason.startswith(f"{label}: ") else f"{label}: {reason}"


def render_csv(report: Report) -> str:
    """One row per group (``grouping = total`` for the whole period), every metric key as a column."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["grouping", "key", "label", *METRIC_KEYS])
    w.writerow(["total", "", "Всего", *(_csv(getattr(report.total, k)) for k in METRIC_KEYS)])
    for name, groups in report.groups.items():
        for g in groups:
            w.writerow([name, g.key or "", g.label, *(_csv(getattr(g.metrics, k)) for k in METRIC_KEYS)])
    return buf.getvalue()


def _csv(v: object) -> str:
    return "" if v is None else str(v)
