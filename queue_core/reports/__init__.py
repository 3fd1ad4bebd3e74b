"""KPI reports (DESIGN.md §8): waiting and service times, service levels, ratings, the out-of-turn
programme measures and the priority audit, computed from the tickets and the event log.

    from queue_core.reports import compute_report
    report = compute_report(service, "2025Q4", office="omsk-central", by=["service", "hour"])
    report.total.wait_median_s, report.out_of_turn.count, report.priority_audit.ok

The definitions of each measure are written down in :mod:`queue_core.reports.facts` (tickets)
and :mod:`queue_core.reports.audit` (the audit). Rendering: :mod:`.text` (terminal table, CSV),
:mod:`.xlsx` (workbook with charts; imports xlsxwriter lazily).
"""

from __future__ import annotations

from .compute import DEFAULT_GROUPINGS, compute_report
from .model import GROUPINGS, METRIC_KEYS, Finding, Group, Metrics, OutOfTurn, PriorityAudit, Report
from .period import Period, PeriodError, parse_date, parse_period

__all__ = [
    "DEFAULT_GROUPINGS", "GROUPINGS", "METRIC_KEYS", "Finding", "Group", "Metrics", "OutOfTurn", "Period",
    "PeriodError", "PriorityAudit", "Report", "compute_report", "parse_date", "parse_period",
]
