"""Print one ticket through the configured backend, and ask the printer how it is.

:func:`print_ticket` never raises for a printer fault: it returns a
:class:`PrintOutcome` whose ``message_ru`` goes on the informator's screen. The ticket
itself is never at stake here — it is already in the queue when printing starts.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from printer.backends import (
    BACKEND_RU,
    STATUS_BACKENDS,
    classify,
    close_quietly,
    missing_extra,
    open_device,
    read_offline_cause,
    read_online,
    read_paper,
    target,
)
from printer.render import PrintJob, RenderError, render_job
from printer.ticket import TicketPrint
from queue_core.config import PrinterConfig

log = logging.getLogger(__name__)

PAPER_RU = {"ok": "есть", "near_end": "заканчивается", "out": "закончилась", "unknown": "неизвестно"}


@dataclass(frozen=True)
class PrintOutcome:
    """How printing one ticket went.

    ``ok`` is True when the ticket went out (also with ``reason_code="paper_near_end"``,
    a warning). Reason codes: ``printed``, ``paper_near_end``, ``spooled``, ``disabled``,
    ``paper_out``, ``offline``, ``refused``, ``timeout``, ``broken``, ``not_found``, ``missing_extra``,
    ``setup``, ``error``.
    """

    ok: bool
    reason_code: str
    message_ru: str
    backend: str
    paper: str | None = None  # ok | near_end | out | unknown, when the printer was asked


@dataclass(frozen=True)
class PrinterStatusInfo:
    online: bool
    paper: str  # ok | near_end | out | unknown
    message_ru: str


def spool_paths(tp: TicketPrint, spool_dir: Path) -> tuple[Path, Path]:
    """``<spool_dir>/<day>/<code>.bin`` and ``.txt`` for one ticket (a reprint overwrites them)."""
    folder = Path(spool_dir) / tp.issued_local.date().isoformat()
    return folder / f"{tp.code}.bin", folder / f"{tp.code}.txt"


def _spool(tp: TicketPrint, job: PrintJob, spool_dir: Path) -> PrintOutcome:
    bin_path, txt_path = spool_paths(tp, spool_dir)
    try:
        bin_path.parent.mkdir(parents=True, exist_ok=True)
        bin_path.write_bytes(job.data)
        txt_path.write_text(job.preview, encoding="utf-8")
        if job.image is not None:
            job.image.save(bin_path.with_suffix(".png"), format="PNG")
    except OSError as e:
        return PrintOutcome(False, "error", f"Не удалось сохранить талон в папку {bin_path.parent}: {e.strerror}",
                            "spool")
    return PrintOutcome(True, "spooled", f"Талон сохранён в папку {bin_path.parent}", "spool")


def _send(job: PrintJob, cfg: PrinterConfig) -> PrintOutcome:
    dev = None
    paper: str | None = None
    try:
        dev = open_device(cfg)
        asks = cfg.check_paper and cfg.backend in STATUS_BACKENDS
        if asks:
            paper = read_paper(dev)  # before the job: never print into an empty printer
            if paper == "out":
                return PrintOutcome(False, "paper_out", "Закончилась бумага", cfg.backend, paper)
            if paper != "unknown" and read_online(dev) is False:
                return PrintOutcome(False, "offline", f"Принтер не готов: {read_offline_cause(dev)}",
                                    cfg.backend, paper)
        dev._raw(job.data)
        if asks and paper != "unknown":
            # a second answer proves the link held to the end of the job
            paper = read_paper(dev, after_job=True)
            if paper == "out":
                return PrintOutcome(False, "paper_out", "Закончилась бумага", cfg.backend, paper)
    except Exception as e:  # every driver error is a printer fault here; see classify()
        fault = classify(e, cfg)
        if fault.reason_code == "error":
            log.warning("unexpected printer error", exc_info=e)
        return PrintOutcome(False, fault.reason_code, fault.message_ru, cfg.backend, paper)
    finally:
        if dev is not None:
            close_quietly(dev)
    if paper == "near_end":
        return PrintOutcome(True, "paper_near_end", "Бумага заканчивается", cfg.backend, paper)
    return PrintOutcome(True, "printed", "Талон напечатан", cfg.backend, paper)


def print_ticket(tp: TicketPrint, cfg: PrinterConfig, spool_dir: Path) -> PrintOutcome:
    """Render ``tp`` in a fresh Dummy and send it through ``cfg.backend``; never raises for faults.

    The printer is opened for this one ticket and closed again. With ``check_paper`` on
    a backend that can answer (network, usb, serial) the printer is asked before the
    job (paper out, or offline e.g. with the cover open: nothing is sent) and again
    after it (no answer: the link broke). Each step waits at most ``timeout_s``.
    A printer that never answers status queries (some clones) reports a timeout
    here: set ``check_paper = false`` for it. The outcome is logged on the
    ``printer`` logger.
    """
    started = time.monotonic()
    if cfg.backend == "none":
        outcome = PrintOutcome(False, "disabled", "Печать отключена (printer.backend = none)", "none")
    else:
        try:
            job = render_job(tp, cfg)
        except RenderError as e:
            outcome = PrintOutcome(False, "setup", f"Талон не подготовлен к печати: {e}", cfg.backend)
        else:
            outcome = _spool(tp, job, spool_dir) if cfg.backend == "spool" else _send(job, cfg)
    level = logging.INFO if outcome.ok else logging.WARNING
    log.log(level, "ticket %s: %s via %s (%s) in %.2f s — %s", tp.code, outcome.reason_code, cfg.backend,
            target(cfg), time.monotonic() - started, outcome.message_ru)
    return outcome


def printer_status(cfg: PrinterConfig, spool_dir: Path | None = None) -> PrinterStatusInfo:
    """Whether the configured printer is reachable and what its paper sensor says; never raises.

    Only network, usb and serial printers can be asked about paper; the others report
    ``unknown``.
    """
    kind = BACKEND_RU[cfg.backend]
    if cfg.backend == "none":
        return PrinterStatusInfo(False, "unknown", "Печать отключена (printer.backend = none)")
    if cfg.backend == "spool":
        where = spool_dir if spool_dir is not None else cfg.spool_dir
        return PrinterStatusInfo(True, "unknown", f"Талоны сохраняются в папку {where} (принтер не подключён)")
    hint = missing_extra(cfg.backend)
    if hint:
        return PrinterStatusInfo(False, "unknown", hint)
    if cfg.backend == "file":  # opening would truncate a plain file; look, do not touch
        device = Path(cfg.device)
        if not device.exists():
            return PrinterStatusInfo(False, "unknown", f"Принтер недоступен: нет устройства {device}")
        if not os.access(device, os.W_OK):
            return PrinterStatusInfo(False, "unknown", f"Нет доступа к принтеру {device}: проверьте права (группа lp)")
        return PrinterStatusInfo(True, "unknown", f"{kind.capitalize()} {device}: доступен для записи")
    dev = None
    try:
        dev = open_device(cfg)
        if cfg.backend not in STATUS_BACKENDS:
            return PrinterStatusInfo(True, "unknown", f"{kind.capitalize()} {target(cfg)}: открыт")
        online = read_online(dev)
        paper = read_paper(dev)
        cause = read_offline_cause(dev) if online is False else ""
    except Exception as e:
        fault = classify(e, cfg)
        return PrinterStatusInfo(False, "unknown", fault.message_ru)
    finally:
        if dev is not None:
            close_quietly(dev)
    if online is False:
        text = f"не готов: {cause}"
    elif online is None:
        text = "на связи, состояние не сообщает"
    else:
        text = "на связи"
    if paper == "out" and "бумага" not in text:
        text += "; закончилась бумага"
    elif paper == "near_end":
        text += "; бумага заканчивается"
    return PrinterStatusInfo(online is not False, paper, f"{kind.capitalize()} {target(cfg)}: {text}")
