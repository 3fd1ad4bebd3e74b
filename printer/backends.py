"""Opening the configured printer and turning what goes wrong into a Russian sentence.

Every failure of a device becomes a :class:`PrinterFault` with a short reason code
(``refused``, ``timeout``, ``broken``, ``not_found``, ``paper_out``, ``missing_extra``,
``setup``, ``error``) and a message for the informator's screen.
"""

from __future__ import annotations

import errno
import importlib.util
import socket

from printer._escpos import escpos, quiet_root_logging
from queue_core.config import PrinterConfig

# backends that can answer DLE EOT (real-time status) over their link
STATUS_BACKENDS = ("network", "usb", "serial")

EXTRAS = {  # backend -> (module to find, pip extra, who needs it)
    "usb": ("usb", "usb", "USB-принтера"),
    "serial": ("serial", "serial", "принтера на COM-порту"),
    "cups": ("cups", "cups", "печати через CUPS"),
}

BACKEND_RU = {
    "network": "сетевой принтер",
    "usb": "USB-принтер",
    "serial": "принтер на COM-порту",
    "file": "принтер-устройство",
    "cups": "принтер CUPS",
    "spool": "папка (без принтера)",
    "none": "печать отключена",
}


class PrinterFault(Exception):
    """A printer problem a person can fix; ``message_ru`` goes on screen."""

    def __init__(self, reason_code: str, message_ru: str) -> None:
        super().__init__(message_ru)
        self.reason_code = reason_code
        self.message_ru = message_ru


def target(cfg: PrinterConfig) -> str:
    """Where the configured printer is, as a person would name it."""
    match cfg.backend:
        case "network":
            return f"{cfg.host}:{cfg.port}"
        case "usb":
            if cfg.usb_vendor_id is None or cfg.usb_product_id is None:
                return "USB (коды устройства не заданы)"
            return f"USB {cfg.usb_vendor_id:04x}:{cfg.usb_product_id:04x}"
        case "serial":
            return cfg.serial_port
        case "file":
            return cfg.device
        case "cups":
            return f"очередь CUPS «{cfg.cups_queue or 'по умолчанию'}»"
    return cfg.backend


def missing_extra(backend: str) -> str | None:
    """The one-line install hint when the optional library for ``backend`` is absent."""
    if backend not in EXTRAS:
        return None
    module, extra, who = EXTRAS[backend]
    if importlib.util.find_spec(module) is not None:
        return None
    return f"Для {who} установите: pip install 'talon-queue[{extra}]'"


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def classify(exc: BaseException, cfg: PrinterConfig) -> PrinterFault:
    """Map an exception from opening, writing to or reading from a printer to a fault."""
    where = target(cfg)
    for e in _chain(exc):
        if isinstance(e, PrinterFault):
            return e
        if isinstance(e, TimeoutError) or "Timeout" in type(e).__name__:  # socket.timeout, USBTimeoutError
            return PrinterFault("timeout", f"Принтер не отвечает ({cfg.timeout_s:g} с)")
        if isinstance(e, ConnectionRefusedError):
            return PrinterFault("refused", f"Принтер недоступен: соединение отклонено ({where})")
        if isinstance(e, (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)):
            return PrinterFault("broken", f"Связь с принтером прервана ({where})")
        if isinstance(e, socket.gaierror):
            return PrinterFault("not_found", f"Принтер недоступен: неизвестный адрес {cfg.host}")
        if isinstance(e, FileNotFoundError):
            return PrinterFault("not_found", f"Принтер недоступен: нет устройства {where}")
        if isinstance(e, PermissionError):
            return PrinterFault("not_found", f"Нет доступа к принтеру {where}: проверьте права (группа lp)")
        if isinstance(e, OSError) and e.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN):
            return PrinterFault("not_found", f"Принтер недоступен: нет связи с {where}")
        if type(e).__name__ == "NoBackendError":  # pyusb without libusb
            return PrinterFault("setup", "Для USB-принтера нужна библиотека libusb (apt install libusb-1.0-0)")
    if isinstance(exc, escpos().exceptions.DeviceNotFoundError):
        return PrinterFault("not_found", f"Принтер недоступен: {where}")
    if isinstance(exc, OSError):
        return PrinterFault("error", f"Ошибка связи с принтером ({where}): {exc.strerror or exc}")
    return PrinterFault("error", f"Ошибка принтера ({where}): {exc}")


def open_device(cfg: PrinterConfig):
    """Open the configured printer (network, usb, serial, file, cups); raise :class:`PrinterFault`."""
    hint = missing_extra(cfg.backend)
    if hint:
        raise PrinterFault("missing_extra", hint)
    printers = escpos().printer
    match cfg.backend:
        case "network":
            dev = printers.Network(host=cfg.host, port=cfg.port, timeout=cfg.timeout_s, profile=cfg.profile)
        case "usb":
            if cfg.usb_vendor_id is None or cfg.usb_product_id is None:
                raise PrinterFault("setup", "Для USB-принтера укажите printer.usb_vendor_id и printer.usb_product_id")
            dev = printers.Usb(idVendor=cfg.usb_vendor_id, idProduct=cfg.usb_product_id,
                               timeout=int(cfg.timeout_s * 1000), profile=cfg.profile)
        case "serial":
            dev = printers.Serial(devfile=cfg.serial_port, baudrate=cfg.baudrate, timeout=cfg.timeout_s,
                                  profile=cfg.profile)
        case "file":
            dev = printers.File(devfile=cfg.device, profile=cfg.profile)
        case "cups":
            dev = printers.CupsPrinter(printer_name=cfg.cups_queue, profile=cfg.profile)
        case _:
            raise ValueError(f"backend {cfg.backend!r} is not a device")
    try:
        with quiet_root_logging():
            dev.open()
    except Exception as e:  # drivers raise their own types (USBError, SerialException, IPPError…)
        raise classify(e, cfg) from e
    return dev


def close_quietly(dev) -> None:
    try:
        with quiet_root_logging():
            dev.close()
    except Exception:  # the connection is already gone; nothing to report twice
        pass


def read_paper(dev, *, after_job: bool = False) -> str:
    """Ask the printer for its paper sensor (``DLE EOT 4``): ``ok``, ``near_end``, ``out`` or ``unknown``.

    No answer means ``unknown`` before a job (many clones ignore the query) but a dropped
    connection after a job, when the same printer answered before it.
    """
    c = escpos().constants
    status = dev.query_status(c.RT_STATUS_PAPER)
    if not status:
        if after_job:
            raise ConnectionResetError("no status after the job")
        return "unknown"
    byte = status[0]
    if byte & c.RT_MASK_NOPAPER == c.RT_MASK_NOPAPER:
        return "out"
    if byte & c.RT_MASK_LOWPAPER == c.RT_MASK_LOWPAPER:
        return "near_end"
    return "ok"


def read_online(dev) -> bool | None:
    """``DLE EOT 1``: True when the printer says it is online, None when it does not answer."""
    c = escpos().constants
    status = dev.query_status(c.RT_STATUS_ONLINE)
    if not status:
        return None
    return not (status[0] & c.RT_MASK_ONLINE)


OFFLINE_CAUSES = ((0x04, "открыта крышка"), (0x20, "закончилась бумага"), (0x40, "ошибка принтера"),
                  (0x08, "идёт прогон бумаги кнопкой"))


def read_offline_cause(dev) -> str:
    """``DLE EOT 2``: why an offline printer is offline, in Russian."""
    status = dev.query_status(escpos().constants.RT_STATUS + b"\x02")
    if status:
        causes = [text for bit, text in OFFLINE_CAUSES if status[0] & bit]
        if causes:
            return ", ".join(causes)
    return "не в сети"
