"""Authority lives in the service layer (DESIGN §11): every role × every verb through the Python API.

An actor the table of rights does not allow is refused with :class:`Forbidden` and a Russian
sentence; an allowed one is never refused for who it is (it may still hear "Нельзя …" about the
ticket's state). A hand-built actor — a login or window that is not its session's, no token, an
ended session — is refused whatever the verb.
"""

from __future__ import annotations

import pytest

from queue_core.authority import RIGHTS
from queue_core.domain import Actor, DomainError, Forbidden, Role
from tests.conftest import admin, staff

VERBS = [v for v in RIGHTS if v != "manage_staff"] + ["add_operator", "list_operators", "set_pin",
                                                      "disable_operator", "add_device_token", "list_device_tokens",
                                                      "revoke_device_token"]


def _do(svc, actor: Actor, verb: str, tid: int, n: int) -> None:  # noqa: ANN001
    calls = {
        "issue": lambda: svc.issue_ticket("payments", actor=actor),
        "serve_direct": lambda: svc.serve_direct(actor, "payments", "regular"),
        "call_next": lambda: svc.call_next(actor),
        "call_ticket": lambda: svc.call_ticket(actor, tid, "проверка прав"),
        "redirect": lambda: svc.redirect(actor, tid, "recalc"),
        "postpone": lambda: svc.postpone(actor, tid, 5),
        "cancel": lambda: svc.cancel(actor, tid, "проверка прав"),
        "pause": lambda: svc.pause(actor, "обед"),
        "resume": lambda: svc.resume(actor),
        "logout": lambda: svc.logout(actor),
        "rate": lambda: svc.rate(actor, tid, 5),
        "record_print": lambda: svc.record_print(tid, True, actor=actor),
        "add_operator": lambda: svc.add_operator(actor, f"new{n}", "Новый", "operator", "1234"),
        "list_operators": lambda: svc.list_operators(actor),
        "set_pin": lambda: svc.set_pin(actor, "op1", "1234"),
        "disable_operator": lambda: svc.disable_operator(actor, "nobody"),
        "add_device_token": lambda: svc.add_device_token(actor, f"киоск {n}", "kiosk"),
        "list_device_tokens": lambda: svc.list_device_tokens(actor),
        "revoke_device_token": lambda: svc.revoke_device_token(actor, "нет такого"),
    }
    (calls.get(verb) or (lambda: getattr(svc, verb)(actor, tid)))()


WINDOW_VERBS = {v for v, (_, need) in RIGHTS.items() if need in ("window", "desk")}
DESK_VERBS = {v for v, (_, need) in RIGHTS.items() if need == "desk"}
ADMIN_VERBS = set(VERBS) - set(RIGHTS)
ALLOWED = {
    "kiosk": {"issue", "record_print"},
    "api": {"issue", "record_print"},
    "board": set(),
    "visitor": {"rate"},
    "system": {"record_print"},  # and the first admin only, while none exists (below)
    "operator at window 1": WINDOW_VERBS - DESK_VERBS,
    "informator at the desk": WINDOW_VERBS,
    "supervisor (no window)": set(),
    "admin (no window)": ADMIN_VERBS,
    "operator's token, another login": set(),
    "operator's token, another window": set(),
    "operator without a token": set(),
    "operator after logout": set(),
}


def _actor(svc, who: str, tid: int) -> Actor:  # noqa: ANN001
    a = staff(svc, 1, 0)
    boss = admin(svc)
    if who in ("supervisor (no window)",):
        svc.add_operator(boss, "chief", "Руководитель", "supervisor", "1234")
    return {
        "kiosk": lambda: Actor.kiosk(), "api": lambda: Actor.api("crm"), "board": lambda: Actor(Role.BOARD),
        "visitor": lambda: Actor.visitor(tid), "system": lambda: Actor.system(),
        "operator at window 1": lambda: a[1], "informator at the desk": lambda: a[0],
        "supervisor (no window)": lambda: svc.authenticate("chief", "1234").actor,
        "admin (no window)": lambda: boss,
        "operator's token, another login": lambda: Actor(Role.OPERATOR, "info", 1, a[1].token),
        "operator's token, another window": lambda: Actor(Role.OPERATOR, "op1", 2, a[1].token),
        "operator without a token": lambda: Actor(Role.OPERATOR, "op1", 1),
        "operator after logout": lambda: (svc.logout(a[1]), a[1])[1],
    }[who]()


@pytest.mark.parametrize("who", list(ALLOWED))
def test_each_role_may_do_exactly_what_the_table_of_rights_says(service, who: str) -> None:  # noqa: ANN001
    tid = service.issue_ticket("payments").id
    actor = _actor(service, who, tid)
    wrong = []
    for n, verb in enumerate(sorted(VERBS, key=lambda v: v == "logout")):  # logout last: it ends the shift
        try:
            _do(service, actor, verb, tid, n)
            refused = None
        except Forbidden as e:
            refused = str(e)
            assert refused and refused[0].isupper() and any("а" <= ch <= "я" for ch in refused.lower()), refused
        except DomainError:
            refused = None  # allowed, but the ticket's state or the arguments said no
        if (refused is None) != (verb in ALLOWED[who]):
            wrong.append((verb, refused))
    assert not wrong, f"{who}: {wrong}"


def test_the_server_box_creates_the_first_admin_and_no_one_else(service) -> None:  # noqa: ANN001
    with pytest.raises(Forbidden, match="только первого администратора"):
        service.add_operator(Actor.system(), "mallory", "М", "operator", "1234")  # not an admin
    service.add_operator(Actor.system(), "boss", "Администратор", "admin", "9999")
    with pytest.raises(Forbidden, match="только первого администратора"):
        service.add_operator(Actor.system(), "mallory", "М", "admin", "1234")  # an admin exists now
    assert [o.login for o in service.list_operators(service.authenticate("boss", "9999").actor)] == ["boss"]


def test_a_session_ends_with_logout_and_after_twelve_hours(service, clock) -> None:  # noqa: ANN001
    a = staff(service, 1, 2)
    service.issue_ticket("payments")
    clock.advance(hours=11, minutes=59)
    assert service.call_next(a[1]) is not None
    clock.advance(minutes=2)
    with pytest.raises(Forbidden, match="истёк"):
        service.call_next(a[2])
    with pytest.raises(Forbidden, match="истёк"):
        service.logout(a[1], force=True)  # an expired session cannot even close its window
    # a logout from a fresh PIN login ends every session of the shift
    s1 = service.login(2, "op2", "1234")
    s2 = service.login(2, "op2", "1234")  # the same person again (a second terminal): joins the shift
    service.logout(s1.actor)
    with pytest.raises(Forbidden, match="завершён"):
        service.call_next(s2.actor)


def test_a_rating_comes_from_the_visitor_or_the_window_that_served_and_never_after_its_day(service, clock) -> None:  # noqa: ANN001
    a = staff(service, 1, 2)
    t1, t2 = service.issue_ticket("payments").id, service.issue_ticket("payments").id
    service.finish(a[1], service.call_next(a[1]).ticket.id)
    service.finish(a[2], service.call_next(a[2]).ticket.id)
    with pytest.raises(Forbidden, match="обслуживали не вы"):
        service.rate(a[2], t1, 1)
    with pytest.raises(Forbidden, match="только свой талон"):
        service.rate(Actor.visitor(t1), t2, 1)
    assert service.rate(Actor.visitor(t1), t1, 4).rating == 4
    with pytest.raises(DomainError, match="уже оценён"):
        service.rate(a[1], t1, 1)
    clock.advance(days=1)
    with pytest.raises(DomainError, match="закрыт"):
        service.rate(Actor.visitor(t2), t2, 1)
    assert service.ticket(t2).rating is None
