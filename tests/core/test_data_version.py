"""The live screens' "anything changed?" token: it moves with every commit on both backends, so a
screen re-reads after any write, and it stays put while nothing is written, so an idle screen costs
one statement a tick (on PostgreSQL it used to re-read the whole office every tick)."""

from __future__ import annotations

import threading

from tests.conftest import admin


def steady(svc) -> bool:  # noqa: ANN001
    """Two reads in a row agree (PostgreSQL: another database of the cluster may write meanwhile)."""
    return any(svc.data_version() == svc.data_version() for _ in range(5))


def test_the_token_moves_with_every_commit_and_only_then(service) -> None:  # noqa: ANN001
    boss = admin(service)  # the admin's own login writes too: done before the token is read
    assert steady(service)
    before = service.data_version()
    service.issue_ticket("payments")
    after = service.data_version()
    assert after != before
    service.add_operator(boss, "op9", "Оператор 9", "operator", "1234")  # not a queue event: still a change
    assert service.data_version() != after


def test_disposing_the_database_waits_for_a_poll_in_flight(service) -> None:  # noqa: ANN001
    """Closing the token's connection under a polling thread crashed Python (a segfault)."""
    stop, errors = threading.Event(), []

    def poll() -> None:
        while not stop.is_set():
            try:
                service.data_version()
            except Exception as e:  # noqa: BLE001 - after dispose a fresh connection or an error is fine
                errors.append(e)

    t = threading.Thread(target=poll)
    t.start()
    for _ in range(20):
        service.db.dispose()
    stop.set()
    t.join(5)
    assert not t.is_alive()
