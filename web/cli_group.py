"""The ``aimi`` command group: commands imported only when they run, so ``aimi --help`` and the
platform-only commands start in well under a second.

Scoring, speech and worker commands pull in spaCy (and with it thinc, and torch when it is
installed), PyAV, CTranslate2 and RQ; importing them all for every command made ``aimi --help``
take about five seconds. Here each of those commands is named with its module, attribute and
one-line help, and its module is imported when the command is looked up to run (or for its own
``--help``). Plugin commands (``aimi_register_commands``) come from the entry-point plugins only,
loaded on demand the same way; the built-in plugins add none.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, NamedTuple

import click
from flask.cli import FlaskGroup, ScriptInfo


class LazyCommand(NamedTuple):
    target: str  # "module:attribute"
    help: str


class AimiGroup(FlaskGroup):
    """A FlaskGroup whose heavy commands load on use, and whose command list never builds the
    app (Flask's own list does, to find app-level commands; ours are all registered here)."""

    def __init__(self, *args: Any, lazy: dict[str, LazyCommand], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lazy = lazy
        self._plugins_added = False

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        if (name or cmd.name) in getattr(self, "lazy", {}):
            raise ValueError(f"the command name {name or cmd.name!r} belongs to a built-in aimi command")
        super().add_command(cmd, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._add_plugin_commands()
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            module, _, attribute = self.lazy[name].target.partition(":")
            return getattr(importlib.import_module(module), attribute)
        if name not in self.commands:
            self._add_plugin_commands()
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in self.lazy:
                rows.append((name, self.lazy[name].help))
            elif not (command := self.commands[name]).hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def _add_plugin_commands(self) -> None:
        if self._plugins_added:
            return
        self._plugins_added = True
        if not entry_points(group="aimi"):
            return  # no third-party plugin: nothing to load
        from aimi.plugins.manager import PluginManager  # entry points only, no built-in plugin

        PluginManager(builtins=()).register_commands(self)


def uses_app_unless_default(default: Callable[[], Any]) -> Callable:
    """Decorator for commands that need only the platform database: with the default app
    factory they configure the database from the environment and skip building the web apps
    (and the scoring stack they import); an app given another way (``--app``, a ScriptInfo in
    tests) is loaded and its context pushed, as ``with_appcontext`` does."""

    def decorate(function: Callable) -> Callable:
        @click.pass_context
        def command(ctx: click.Context, *args: Any, **kwargs: Any) -> Any:
            info = ctx.ensure_object(ScriptInfo)
            if info.create_app is not default or info.app_import_path:
                with info.load_app().app_context():
                    return ctx.invoke(function, *args, **kwargs)
            from aimi.platform import config
            from aimi.platform.db import open_database, platform_session, use_database

            settings = config.from_env().validate()
            database = open_database(settings.effective_database_url, settings.db_servers)
            try:
                with use_database(database):
                    try:
                        return ctx.invoke(function, *args, **kwargs)
                    finally:
                        platform_session.remove()
            finally:
                database.dispose()

        return functools.update_wrapper(command, function)

    return decorate
