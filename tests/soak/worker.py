"""One long-lived soak process: a kiosk issuing tickets or a window working through the queue.

Usage: python worker.py SPEC.json   (the spec is written by tests/soak/harness.py)

Every action the service layer reported as committed is appended to the worker's own log file
(one JSON line, flushed at once), so the test can check afterwards that nothing reported as
committed is missing from the database — also after a ``kill -9`` or a PostgreSQL outage.
A :class:`StorageError` is logged and the worker carries on (that is the recovery under test);
any other unexpected exception is logged with its traceback and ends the process with exit 1.
"""

from __future__ import annotations

import json
import random
import sys
import time
import traceback
from datetime import datetime
from pathlib import Path

from queue_core import load_config, open_service
from queue_core.clock import SimulatedClock, SystemClock
from queue_core.domain import AT_WINDOW, Actor, DomainError, StorageError


class ShiftedClock(SimulatedClock):
    """Wall time moved to a fixed office day, identical in every worker (``time.time()`` is shared).
    A simulated day: its own instants are the record, on PostgreSQL too."""

    def __init__(self, wall0: float, fake0: str, tz: str) -> None:
        shift = datetime.fromisoformat(fake0).timestamp() - wall0
        super().__init__(tz, source=lambda: time.time() + shift)


class SkewedClock(SystemClock):
    """This computer's own clock (compared with the database's), off by ``offset_s`` seconds."""

    def __init__(self, tz: str) -> None:
        super().__init__(tz, source=lambda: time.time() + self.offset_s)
        self.offset_s = 0.0


CHANNEL_ACTORS = {"kiosk": Actor.kiosk(), "api": Actor.api("api")}  # the channel comes from who issues


class Log:
    def __init__(self, path: str) -> None:
        self._f = open(path, "a", encoding="utf-8")  # noqa: SIM115 - kept open for the process' life

    def write(self, **row: object) -> None:
        self._f.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        self._f.flush()


class Worker:
    def __init__(self, spec: dict) -> None:
        self.spec = spec
        self.rnd = random.Random(spec["seed"])
        self.log = Log(spec["log"])
        self.config = load_config(spec["config"])
        tz = self.config.office.timezone
        self.clock = SkewedClock(tz) if "skew_s" in spec else ShiftedClock(spec["wall0"], spec["fake0"], tz)
        self.svc = None
        while self.svc is None:  # the database may be down when we (re)start
            try:
                self.svc = open_service(self.config, self.clock, auto_upgrade=False)
            except StorageError as e:
                self.log.write(op="storage_error", where="open", msg=str(e), t=time.time())
                time.sleep(0.3)
        if spec.get("printer_ports"):  # import escpos and render once before the clock starts
            from printer.render import render_job
            from printer.ticket import sample_ticket_print

            render_job(sample_ticket_print(self.config), self.config.printer)
        # Start together: the test writes the deadline into the "go" file once every worker is ready.
        self.log.write(op="ready", t=time.time())
        go = Path(spec["go"])
        while not go.exists():
            time.sleep(0.05)
        self.deadline = float(go.read_text())
        if "skew_s" in spec:  # the clock steps once the run starts (a bad NTP step): refused from now on
            self.clock.offset_s = spec["skew_s"]

    def act(self, op: str, fn, **extra: object):  # noqa: ANN001, ANN202
        """Run one use case; log it when committed, log a StorageError and return None."""
        t0 = time.time()
        try:
            result = fn()
        except StorageError as e:
            self.log.write(op="storage_error", where=op, msg=str(e), t=t0)
            time.sleep(0.2)
            return None
        if result is None:  # call_next: nobody waits
            return True
        t = getattr(result, "ticket", result)
        self.log.write(op=op, id=getattr(t, "id", None), code=getattr(t, "code", None),
                       status=str(getattr(t, "status", "")), t0=t0, t1=time.time(), **extra)
        return result

    def pause(self, mean_s: float) -> None:
        if mean_s > 0:
            time.sleep(self.rnd.uniform(0, 2 * mean_s))

    # --- kiosk ------------------------------------------------------------------------------
    def run_kiosk(self) -> None:
        services, cats = self.spec["services"], self.spec["categories"]
        printers = self.spec.get("printer_ports") or []
        while time.time() < self.deadline:
            service = self.rnd.choice(services)
            category = self.rnd.choices(list(cats), weights=list(cats.values()))[0]
            actor = CHANNEL_ACTORS[self.spec.get("channel", "kiosk")]
            t = self.act("issue", lambda: self.svc.issue_ticket(service, category, actor=actor),
                         service=service, category=category)
            if t is not None and printers:
                self.print_ticket(t, self.rnd.choice(printers))
            self.pause(self.spec.get("gap_s", 0.1))

    def print_ticket(self, ticket, port: int) -> None:  # noqa: ANN001
        from printer.jobs import print_and_record

        pc = self.config.printer.model_copy(update={"backend": "network", "host": "127.0.0.1", "port": port,
                                                     "timeout_s": self.spec.get("printer_timeout_s", 1.0)})
        cfg = self.config.model_copy(update={"printer": pc})
        t0 = time.time()
        try:
            out = print_and_record(self.svc, ticket, cfg)
        except StorageError as e:
            self.log.write(op="storage_error", where="print", msg=str(e), t=t0)
            return
        self.log.write(op="print", id=ticket.id, ok=out.ok, reason=out.reason_code, port=port, t0=t0,
                       t1=time.time())

    # --- window -----------------------------------------------------------------------------
    def current(self):  # noqa: ANN201
        """The ticket at this window now (after a restart or an ambiguous error)."""
        while True:
            try:
                snap = self.svc.queue_snapshot(last_calls=0)
            except StorageError:
                time.sleep(0.3)
                continue
            return next(w.current for w in snap.windows if w.number == self.window)

    def run_window(self) -> None:
        self.window, self.login = self.spec["window"], self.spec["login"]
        # A restarted worker joins the shift it held at its window with a new session.
        while (session := self.act("login", lambda: self.svc.login(self.window, self.login, "1234"))) is None:
            if time.time() >= self.deadline:
                return  # never let in (a refused clock): nothing to serve
        self.actor = session.actor
        p = self.spec["p"]
        ticket = self.current()
        while time.time() < self.deadline:
            try:
                ticket = self.serve(ticket, p) if ticket is not None else self.call()
            except DomainError as e:
                # Only after an ambiguous StorageError (the commit may have happened) or a restart.
                self.log.write(op="refused", msg=str(e), t=time.time())
                ticket = self.current()

    def call(self):  # noqa: ANN201
        began = self.clock.now()
        res = self.act("call", lambda: self.svc.call_next(self.actor), window=self.window)
        if res is None:  # StorageError: the call may have committed
            return self.current()
        if res is True:  # nobody eligible waits: say so, with the queue as it is now (an invariant checks it)
            self.log.write(op="call_empty", window=self.window, began=began, ended=self.clock.now(),
                           queue=self.queue_state())
            time.sleep(0.05)
            return None
        self.log.write(op="call_rule", id=res.ticket.id, rule=str(res.rule))
        return res.ticket

    def queue_state(self) -> dict[str, int] | str:
        try:
            return {k: n for k, n in self.svc.waiting_counts().items() if n}
        except StorageError as e:
            return str(e)

    def serve(self, t, p: dict):  # noqa: ANN001, ANN201
        w, actor, r = self.window, self.actor, self.rnd.random()
        if t.category_claimed:
            verb = self.svc.decline_category if self.rnd.random() < 0.2 else self.svc.verify_category
            res = self.act(verb.__name__, lambda: verb(actor, t.id), window=w)
            return self.after(res, t)
        if t.status == "called" and r < p["recall"]:
            return self.after(self.act("recall", lambda: self.svc.recall(actor, t.id), window=w), t)
        if t.status == "called" and r < p["recall"] + p["no_show"]:
            return self.after(self.act("no_show", lambda: self.svc.no_show(actor, t.id), window=w), t)
        if p["recall"] + p["no_show"] <= r < p["recall"] + p["no_show"] + p["redirect"]:
            to = self.rnd.choice([s for s in self.spec["services"] if s != t.service])
            res = self.act("redirect", lambda: self.svc.redirect(actor, t.id, to), window=w, to=to)
            return self.after(res, t)
        if t.status == "called" and self.rnd.random() < 0.5:
            return self.after(self.act("start", lambda: self.svc.start(actor, t.id), window=w), t)
        self.pause(self.spec.get("service_s", 0.0))
        return self.after(self.act("finish", lambda: self.svc.finish(actor, t.id), window=w), t)

    def after(self, res, t):  # noqa: ANN001, ANN201
        if res is None:  # StorageError: did it commit? Ask the database.
            return self.current()
        return res if res.status in AT_WINDOW else None


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    w = Worker(spec)
    try:
        w.run_kiosk() if spec["role"] == "kiosk" else w.run_window()
    except Exception:  # noqa: BLE001 - an escaped error is exactly what the soak looks for
        w.log.write(op="escaped", tb=traceback.format_exc(), t=time.time())
        sys.exit(1)
    w.log.write(op="done", t=time.time())


if __name__ == "__main__":
    main()
