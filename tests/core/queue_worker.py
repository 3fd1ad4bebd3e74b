"""A separate process for the concurrency tests: a kiosk issuing tickets or a window draining the queue.

Usage: python queue_worker.py CONFIG issue N SERVICE
       python queue_worker.py CONFIG drain WINDOW LOGIN
Prints one JSON line and exits 0: the codes issued, or the tickets called and the window's empty
call; any error escapes loudly (exit != 0).
"""

import json
import sys

from queue_core import load_config, open_service


def main() -> None:
    cfg_path, mode, *args = sys.argv[1:]
    svc = open_service(load_config(cfg_path), auto_upgrade=False)
    out = []
    if mode == "issue":
        n, service = int(args[0]), args[1]
        for _ in range(n):
            out.append(svc.issue_ticket(service, channel="api").code)
    elif mode == "drain":
        window, login = int(args[0]), args[1]
        while True:
            before = svc.clock.now()
            call = svc.call_next(window, login)
            if call is None:  # the instants of the empty call: nothing eligible may wait through it
                out = {"called": out, "empty_call": [before.isoformat(), svc.clock.now().isoformat()]}
                break
            out.append(call.ticket.id)
            svc.finish(call.ticket.id, window, login)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
