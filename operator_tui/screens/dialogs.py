"""Small modal dialogs: each asks one thing and dismisses with the answer (None on Esc)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, DataTable, Input, Label, OptionList, RadioButton, RadioSet
from textual.widgets.option_list import Option

from queue_core.domain import STATUS_RU, EventInfo, TicketInfo

from ..format import CHANNEL_RU, EVENT_RU, event_details, local_hm, local_hms


class Dialog(ModalScreen):
    """A bordered box in the middle of the screen; Esc closes it without an answer."""

    BINDINGS = [Binding("escape", "cancel", "Отмена")]
    DEFAULT_CSS = """
    Dialog { align: center middle; }
    Dialog > #dialog { width: 72; max-width: 95%; height: auto; max-height: 95%; border: thick $primary;
                       background: $surface; padding: 0 1; }
    Dialog #dialog-hint { color: $text-muted; margin-top: 1; }
    Dialog Input, Dialog OptionList, Dialog RadioSet { margin-bottom: 1; }
    Dialog OptionList { height: auto; max-height: 12; }
    Dialog .buttons { height: auto; align-horizontal: right; }
    Dialog .buttons Button { margin-left: 2; }
    """

    def __init__(self, title: str, hint: str = "") -> None:
        super().__init__()
        self.title_text, self.hint = title, hint

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as box:
            box.border_title = self.title_text
            yield from self.body()
            if self.hint:
                yield Label(self.hint, id="dialog-hint")

    def body(self) -> ComposeResult:
        yield from ()

    def action_cancel(self) -> None:
        self.dismiss(None)


class FormDialog(Dialog):
    """A few text fields; Enter moves to the next field and, on the last, answers a dict."""

    def __init__(self, title: str, fields: Sequence[tuple[str, str, str]], hint: str = "Enter — далее, Esc — отмена",
                 *, note: str = "") -> None:
        super().__init__(title, hint)
        self.fields, self.note = list(fields), note

    def body(self) -> ComposeResult:
        if self.note:
            yield Label(self.note)
        for key, label, default in self.fields:
            yield Label(label)
            yield Input(value=default, id=f"field-{key}", select_on_focus=True)

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        inputs = list(self.query(Input))
        i = inputs.index(event.input)
        if i + 1 < len(inputs):
            inputs[i + 1].focus()
        else:
            self.dismiss({key: self.query_one(f"#field-{key}", Input).value.strip() for key, _, _ in self.fields})


class ConfirmDialog(Dialog):
    """Yes or no, for the one action that loses something (logout with a visitor at the window)."""

    def __init__(self, title: str, text: str, yes: str) -> None:
        super().__init__(title, "Esc — отмена")
        self.text, self.yes = text, yes

    def body(self) -> ComposeResult:
        yield Label(self.text)
        with Horizontal(classes="buttons"):
            yield Button(self.yes, id="yes", variant="error")
            yield Button("Отмена", id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _answer(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class FinishDialog(Dialog):
    """Finish service: an optional result code (from the config) and, if asked for, the rating 1–5."""

    BINDINGS = [*(Binding(str(n), f"rate({n})", show=False) for n in range(6))]

    def __init__(self, code: str, result_codes: Sequence[str], ask_rating: bool) -> None:
        hint = "Enter — завершить" + (", 1–5 — оценка посетителя, 0 — без оценки" if ask_rating else "")
        super().__init__(f"Завершить обслуживание талона {code}", hint + ", Esc — отмена")
        self.result_codes, self.ask_rating = list(result_codes), ask_rating
        self.rating: int | None = None

    def body(self) -> ComposeResult:
        yield Label("Результат обращения:")
        yield OptionList(Option("— без кода результата —", id="-"),
                         *(Option(c, id=f"code:{i}") for i, c in enumerate(self.result_codes)), id="codes")
        if self.ask_rating:
            yield Label(self._rating_text(), id="rating")

    def _rating_text(self) -> str:
        return f"Оценка посетителя: {self.rating if self.rating else 'нет'}  (клавиши 1–5)"

    def action_rate(self, n: int) -> None:
        if self.ask_rating:
            self.rating = n or None
            self.query_one("#rating", Label).update(self._rating_text())

    @on(OptionList.OptionSelected, "#codes")
    def _done(self, event: OptionList.OptionSelected) -> None:
        oid = event.option.id or "-"
        code = None if oid == "-" else self.result_codes[int(oid.split(":")[1])]
        self.dismiss({"result_code": code, "rating": self.rating})


class ChooseServiceDialog(Dialog):
    """Pick a service (redirect, issue, serve at once), with a category and options where needed.

    Keyboard first: the service list has the focus, digit keys pick the category."""

    BINDINGS = [*(Binding(str(n), f"pick_category({n - 1})", show=False) for n in range(1, 10))]

    def __init__(self, title: str, services: Sequence[tuple[str, str]], *, categories: Sequence[tuple[str, str]] = (),
                 category: str | None = None, positions: Sequence[tuple[str, str]] = (), position: str | None = None,
                 print_option: bool = False, hint: str = "Enter — выбрать, Tab — следующее поле, Esc — отмена") -> None:
        super().__init__(title, hint)
        self.services, self.categories, self.positions = list(services), list(categories), list(positions)
        self.category, self.position, self.print_option = category, position, print_option

    def body(self) -> ComposeResult:
        if self.categories:
            yield Label("Категория:")
            with RadioSet(id="categories"):
                for n, (cid, label) in enumerate(self.categories, 1):
                    yield RadioButton(f"{n}  {label}", value=cid == self.category, name=cid)
        if self.positions:
            yield Label("Место в новой очереди:")
            with RadioSet(id="positions"):
                for pid, label in self.positions:
                    yield RadioButton(label, value=pid == self.position, name=pid)
        if self.print_option:
            yield Checkbox("Напечатать талон", value=True, id="print")
        yield Label("Услуга:")
        yield OptionList(*(Option(name, id=sid) for sid, name in self.services), id="services")

    def on_mount(self) -> None:
        self.query_one("#services", OptionList).focus()

    def action_pick_category(self, index: int) -> None:
        buttons = list(self.query("#categories RadioButton").results(RadioButton))
        if 0 <= index < len(buttons):
            buttons[index].value = True

    def _pressed(self, rid: str) -> str | None:
        sets = self.query(f"#{rid}")
        if not sets:
            return None
        btn = sets.first(RadioSet).pressed_button
        return btn.name if btn else None

    @on(OptionList.OptionSelected, "#services")
    def _done(self, event: OptionList.OptionSelected) -> None:
        printed = self.query("#print")
        self.dismiss({"service": event.option.id, "category": self._pressed("categories"),
                      "position": self._pressed("positions"),
                      "print": printed.first(Checkbox).value if printed else False})


class TicketDialog(Dialog):
    """A ticket found by code: where it is now and its whole history; cancel or reprint from here."""

    DEFAULT_CSS = """
    TicketDialog > #dialog { width: 100; }
    TicketDialog DataTable { height: auto; max-height: 14; margin-bottom: 1; }
    """

    def __init__(self, ticket: TicketInfo, history: Sequence[EventInfo], tz: tzinfo, category: str) -> None:
        super().__init__(f"Талон {ticket.code}", "Esc — закрыть")
        self.ticket, self.history, self.tz, self.category = ticket, list(history), tz, category

    def body(self) -> ComposeResult:
        t = self.ticket
        where = [text for text, known in ((f"окно {t.window}", t.window is not None),
                                          (f"впереди {t.position}", t.position is not None)) if known]
        yield Label(Text.assemble((t.code, "bold"), f" · {t.service_name} · {self.category} · ",
                                  (STATUS_RU[t.status], "bold"), "".join(f", {w}" for w in where)))
        yield Label(f"Выдан {local_hm(t.issued_at, self.tz)} ({CHANNEL_RU.get(t.channel, t.channel)}), "
                    f"печать: {dict(printed='напечатан', failed='сбой', none='нет').get(t.print_status, t.print_status)}")
        table = DataTable(cursor_type="none", zebra_stripes=True, id="history")
        table.add_columns("Время", "Событие", "Окно", "Оператор", "Подробности")
        for e in self.history:
            table.add_row(local_hms(e.at, self.tz), EVENT_RU.get(e.kind, str(e.kind)),
                          "" if e.window is None else str(e.window), e.operator or "", event_details(e))
        yield table
        with Horizontal(classes="buttons"):
            if t.status in ("waiting", "postponed"):
                yield Button("Отменить талон", id="cancel", variant="error")
            if t.status == "waiting":
                yield Button("Напечатать ещё раз", id="reprint", variant="primary")
            yield Button("Закрыть", id="close")

    @on(Button.Pressed)
    def _answer(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "close" else event.button.id)
