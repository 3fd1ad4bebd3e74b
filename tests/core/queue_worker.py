"""A separate process for the concurrency tests: a kiosk issuing tickets or a window draining the queue.

Usage: python queue_worker.py CONFIG issue N SERVICE
       python queue_worker.py CONFIG drain WINDOW LOGIN SESSION
(SESSION: the token of the operator's PIN session at WINDOW, opened by the test)
Prints one JSON line and exits 0: the codes issued, or the tickets called and the window's empty
call; any error escapes loudly (exit != 0).
"""

import json
import sys

from queue_core import load_config, open_service
from queue_core.domain import Actor, Role


def main() -> None:
    cfg_path, mode, *args = sys.argv[1:]
    svc = open_service(load_config(cfg_path), auto_upgrade=False)
    out = []
    if mode == "issue":
        n, service = int(args[0]), args[1]
        for _ in range(n):
            out.append(svc.issue_ticket(service, actor=Actor.api("api")).code)
    elif mode == "drain":
        window, login, token = int(args[0]), args[1], args[2]
        actor = Actor(Role.OPERATOR, login, window, token)
        while True:
            before = svc.clock.now()
            call = svc.call_next(actor)
            if call is None:  # the instants of the empty call: nothing eligible may wait through it
                out = {"called": out, "empty_call": [before.isoformat(), svc.clock.now().isoformat()]}
                break
            out.append(call.ticket.id)
            svc.finish(actor, call.ticket.id)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
