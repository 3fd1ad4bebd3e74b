"""click's own messages in Russian: usage errors, help pages, prompts.

click looks up every message it prints through ``gettext``/``ngettext`` bound in each of its modules;
:func:`install` points those names at the table below. A message not in the table stays as click
wrote it, so a new click release degrades to English rather than breaking. What a person typed is
shown with ``!r``, as click does, so a control character cannot break the one error line.
"""

from __future__ import annotations

import click
from click import core, decorators, exceptions, formatting, parser, termui, types

MESSAGES_RU = {
    # usage errors (shown by talon.cli.main as «ошибка: …»)
    "No such command {name!r}.": "нет такой команды {name!r}.",
    "No such option {name!r}.": "нет такого параметра {name!r}.",
    "Did you mean {possibility}?": "Может быть, {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Может быть, одно из: {possibilities}?)",
    "Missing command.": "не указана команда.",
    "Missing argument": "не указан аргумент",
    "Missing option": "не указан параметр",
    "Missing parameter": "не указано значение",
    "Missing {param_type}": "не указан {param_type}",
    "Missing parameter: {param_name}": "не указано значение: {param_name}",
    "Invalid value: {message}": "недопустимое значение: {message}",
    "Invalid value for {param_hint}: {message}": "недопустимое значение для {param_hint}: {message}",
    "Got unexpected extra argument ({args})": "лишний аргумент ({args})",
    "Got unexpected extra arguments ({args})": "лишние аргументы ({args})",
    "Option {name!r} requires an argument.": "параметру {name!r} нужно значение.",
    "Option {name!r} requires {nargs} arguments.": "параметру {name!r} нужно значений: {nargs}.",
    "Option {name!r} does not take a value.": "параметр {name!r} не принимает значения.",
    "Argument {name!r} takes {nargs} values.": "аргументу {name!r} нужно значений: {nargs}.",
    "{value!r} is not {choice}.": "{value!r} — допустимо только {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} — допустимо одно из: {choices}.",
    "{value!r} is not a valid {number_type}.": "{value!r} — не число.",
    "{value} is not in the range {range}.": "{value} вне диапазона {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} — не да/нет; допустимо: {states}",
    "{name} {filename!r} does not exist.": "{name} {filename!r} не существует.",
    "{name} {filename!r} is a file.": "{name} {filename!r} — файл.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} — папка.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} недоступен для чтения.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} недоступен для записи.",
    "file": "файл",
    "directory": "папка",
    "path": "путь",
    "Could not open file {filename!r}: {message}": "не удаётся открыть файл {filename!r}: {message}",
    "Error: {message}": "ошибка: {message}",
    "Try '{command} {option}' for help.": "Справка: «{command} {option}».",
    "Aborted!": "Прервано",
    # help pages
    "Usage:": "Использование:",
    "Options": "Параметры",
    "Commands": "Команды",
    "Positional arguments": "Аргументы",
    "Show this message and exit.": "Показать эту справку и выйти.",
    "default: {default}": "по умолчанию: {default}",
    "required": "обязательно",
    "env var: {var}": "переменная окружения: {var}",
    "(dynamic)": "(вычисляется)",
    "deprecated": "устарело",
    # prompts
    "Repeat for confirmation": "Повторите для проверки",
    "Error: The two entered values do not match.": "ошибка: введённые значения не совпадают.",
    "Error: invalid input": "ошибка: недопустимый ввод",
}
METAVARS_RU = {"text": "ТЕКСТ", "integer": "ЧИСЛО", "integer range": "ЧИСЛО", "float": "ЧИСЛО", "path": "ФАЙЛ",
               "filename": "ФАЙЛ"}


def gettext_ru(message: str) -> str:
    return MESSAGES_RU.get(message, message)


def ngettext_ru(singular: str, plural: str, n: int) -> str:
    return gettext_ru(singular if n == 1 else plural)


def install() -> None:
    """Route click's message look-ups through the Russian table (before any command is built)."""
    for module in (core, decorators, exceptions, formatting, parser, termui, types):
        if hasattr(module, "_"):
            module._ = gettext_ru
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext_ru


def russify(command: click.Command) -> None:
    """Russian placeholders in a command tree's usage lines: [ПАРАМЕТРЫ], КОМАНДА, ЧИСЛО, ТЕКСТ…"""
    command.options_metavar = "[ПАРАМЕТРЫ]"
    for param in command.params:
        if isinstance(param, click.Option) and param.metavar is None and not param.is_flag:
            param.metavar = METAVARS_RU.get(param.type.name)
    if isinstance(command, click.Group):
        command.subcommand_metavar = "КОМАНДА [АРГУМЕНТЫ]..."
        for sub in command.commands.values():
            russify(sub)
