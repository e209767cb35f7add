"""Per-tenant plugin settings: which plugins are on, and their validated options.

The choice lives in the tenant's own ``plugin_settings`` table and is read when a hook is
called, so one process serves tenants with different plugins. Without a row, built-in
plugins are on and third-party plugins are off until a tenant admin turns them on.
Options are validated against the plugin's ``OptionSpec``s when they are saved, so a
bad value is refused in the admin page or CLI, never discovered at job time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from aimi.plugins.types import OptionsError, OptionSpec, validate_options
from aimi.tenants import audit
from aimi.tenants.models import PluginSetting
from aimi.tenants.recording_models import Recording

if TYPE_CHECKING:
    from aimi.plugins.manager import PluginManager

SECRET_MASK = "********"
STORAGE_PLUGIN = "local_files"  # the built-in file store every recording is read back from


class PluginSettingsError(OptionsError):
    """Refused plugin settings beyond one plugin's options (``plugin``, ``enabled``): the
    plugin is not installed, or turning it off would break what is stored."""


@dataclass(frozen=True)
class PluginState:
    """One plugin as one tenant has it: on or off, and its options (defaults filled in)."""

    enabled: bool
    options: dict[str, Any] = field(default_factory=dict)


def shown(specs: Mapping[str, OptionSpec], options: Mapping[str, Any]) -> dict[str, Any]:
    """Options fit to show back to a person: secrets masked (empty stays empty)."""
    return {name: (SECRET_MASK if value else "") if name in specs and specs[name].secret else value
            for name, value in options.items()}


def _manager(manager: PluginManager | None) -> PluginManager:
    if manager is not None:
        return manager
    from aimi.plugins.manager import get_manager  # the manager imports this module

    return get_manager()


def _state(manager: PluginManager, name: str, row: PluginSetting | None) -> PluginState:
    default = manager.default_state(name)
    if row is None:
        return default
    stored = {k: v for k, v in (row.options or {}).items() if k in default.options}
    return PluginState(enabled=row.enabled, options={**default.options, **stored})


def load(session: Session, manager: PluginManager | None = None) -> dict[str, PluginState]:
    """The tenant in ``session``'s state of every installed plugin."""
    manager = _manager(manager)
    rows = {row.plugin: row for row in session.scalars(select(PluginSetting))}
    return {name: _state(manager, name, rows.get(name)) for name in manager.names}


def _check_no_stored_files(session: Session) -> None:
    """Switching the file store off would turn every stored recording into a dead link."""
    count = session.scalar(select(func.count()).select_from(Recording).where(or_(
        Recording.audio_key.is_not(None), Recording.chunks.any()))) or 0
    if count:
        raise PluginSettingsError({"enabled": (
            f"{count} recordings' stored files depend on it, and turning it off would break "
            "their audio. Delete those recordings first (or let retention purge their audio); "
            "moving files to another store is done by the platform team.")})


def save(
    session: Session,
    plugin: str,
    enabled: bool | None,
    options: Mapping[str, Any],
    *,
    manager: PluginManager | None = None,
    actor: Any = None,
    ip: str | None = None,
) -> dict[str, Any]:
    """Turn ``plugin`` on or off (``None`` keeps it) and change some of its options;
    stages the row and an audit entry and returns the ``{what: [old, new]}`` diff
    (secrets shown as "changed"). Nothing is staged when a value is refused. The caller
    commits."""
    manager = _manager(manager)
    if plugin not in manager.names:
        raise PluginSettingsError({"plugin": f"no plugin named {plugin!r} is installed"})
    specs = manager.option_specs(plugin)
    row = session.get(PluginSetting, plugin)
    current = _state(manager, plugin, row)
    new_options = validate_options(specs, {**current.options, **options})
    new_enabled = current.enabled if enabled is None else bool(enabled)
    if plugin == STORAGE_PLUGIN and current.enabled and not new_enabled:
        _check_no_stored_files(session)
    diff: dict[str, Any] = {}
    if new_enabled != current.enabled:
        diff["enabled"] = [current.enabled, new_enabled]
    for name, value in new_options.items():
        if value != current.options.get(name):
            diff[name] = "changed" if specs[name].secret else [current.options.get(name), value]
    if not diff:
        return diff
    if row is None:
        session.add(PluginSetting(plugin=plugin, enabled=new_enabled, options=new_options))
    else:
        row.enabled, row.options = new_enabled, new_options
    audit.record(session, "plugin.changed", actor=actor, ip=ip, target_type="plugin",
                 target_id=plugin, details={"changes": diff})
    return diff
