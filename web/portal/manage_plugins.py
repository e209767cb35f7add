"""Tenant admin: turn plugins on or off and set their options.

``aimi.plugins.settings`` owns every rule (types, choices, ranges, unknown names) and
writes the audit entry; the form is built from the plugin's ``OptionSpec``s and shows
each refusal beside its field. Secrets are never sent back: their field is always empty
and leaving it empty keeps the stored value.
"""

from __future__ import annotations

import json

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_security import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, PasswordField, SelectField, StringField, TextAreaField

from aimi.platform.db import tenant_session
from aimi.plugins import settings as plugin_settings
from aimi.plugins.manager import PluginManager, get_manager
from aimi.plugins.types import OptionsError, OptionSpec
from aimi.web.portal.manage import admin_view, bp, strip

PREFIX = "option_"


def _field(name: str, spec: OptionSpec) -> Field:
    label = name.replace("_", " ").capitalize()
    if spec.secret:
        return PasswordField(label, description=f"{spec.help} Leave empty to keep the current value.")
    if spec.type is bool:
        return BooleanField(label, description=spec.help)
    if spec.choices:
        return SelectField(label, description=spec.help, validate_choice=False,
                           choices=[(str(c), str(c)) for c in spec.choices])
    if spec.type in (list, dict):
        return TextAreaField(label, description=f"{spec.help} Written as JSON.")
    return StringField(label, description=spec.help, filters=[strip])


def _form(manager: PluginManager, plugin: str, state: plugin_settings.PluginState) -> FlaskForm:
    """A form for one plugin's options (field names ``option_<name>``), filled with the
    tenant's current values, or on a POST with what was sent."""
    specs = manager.option_specs(plugin)
    fields = {"enabled": BooleanField("On for this college")}
    fields.update({PREFIX + name: _field(name, spec) for name, spec in specs.items()})
    data = {"enabled": state.enabled}
    for name, spec in specs.items():
        value = state.options[name]
        if not spec.secret:
            data[PREFIX + name] = json.dumps(value) if spec.type in (list, dict) else value
    form_class = type("PluginOptionsForm", (FlaskForm,), fields)
    return form_class(data=data)


def _plugin_or_404(manager: PluginManager, name: str) -> None:
    if name not in manager.names:
        abort(404, f"No plugin named {name!r} is installed.")


def _save(plugin: str, enabled: bool | None, options: dict) -> dict:
    """Save through the one set of rules, as the signed-in admin; commits when it changed."""
    session = tenant_session()
    diff = plugin_settings.save(session, plugin, enabled, options, manager=get_manager(),
                                actor=current_user, ip=request.remote_addr)
    if diff:
        session.commit()
    return diff


@bp.get("/plugins", endpoint="plugins")
@admin_view
def plugins() -> ResponseReturnValue:
    manager = get_manager()
    states = plugin_settings.load(tenant_session(), manager)
    return render_template("manage/plugins.html", plugins=manager.info(), states=states)


@bp.post("/plugins/<name>/toggle", endpoint="plugin_toggle")
@admin_view
def plugin_toggle(name: str) -> ResponseReturnValue:
    _plugin_or_404(get_manager(), name)
    enabled = request.form.get("enabled") == "1"
    try:
        _save(name, enabled, {})
    except OptionsError as exc:
        reason = exc.errors.get("enabled") or f"fix its settings first ({exc})."
        flash(f"{name} was not changed: {reason}", "error")
        return redirect(url_for("manage.plugin", name=name))
    flash(f"{name} is now {'on' if enabled else 'off'} for your college.", "success")
    return redirect(url_for("manage.plugins"))


@bp.route("/plugins/<name>", methods=["GET", "POST"], endpoint="plugin")
@admin_view
def plugin(name: str) -> ResponseReturnValue:
    manager = get_manager()
    _plugin_or_404(manager, name)
    state = plugin_settings.load(tenant_session(), manager)[name]
    form = _form(manager, name, state)
    if form.validate_on_submit():
        specs = manager.option_specs(name)
        options = {key: form[PREFIX + key].data for key, spec in specs.items()
                   if not (spec.secret and not form[PREFIX + key].data)}
        try:
            diff = _save(name, form.enabled.data, options)
        except OptionsError as exc:
            for key, message in exc.errors.items():
                target = form[PREFIX + key].errors if PREFIX + key in form else form.form_errors
                target.append(message)
        else:
            flash(f"{name} settings saved." if diff else "Nothing changed.", "success" if diff else "info")
            return redirect(url_for("manage.plugin", name=name))
    info = next(p for p in manager.info() if p.name == name)
    return render_template("manage/plugin.html", plugin=info, form=form), 422 if form.errors else 200
