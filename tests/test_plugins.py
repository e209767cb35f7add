"""Plugins: an external package found through its entry point and scoring, per-tenant
on/off and options (validated, audited, secrets hidden) through the function, the admin
page and the CLI, failures kept to their own dimension, broken plugins refused at
start-up, and plugin blueprints and commands."""

from __future__ import annotations

import importlib
import json
import shutil
import site
import subprocess
import sys
import sysconfig
import uuid
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from flask import Blueprint, Flask
from flask.cli import ScriptInfo
from helpers import csrf_token
from sqlalchemy import func, select
from werkzeug.test import Client

from aimi.evaluators import BUILTIN_EVALUATORS
from aimi.platform.db import tenant_scope, tenant_session
from aimi.plugins import settings as plugin_settings
from aimi.plugins.hookspecs import hookimpl
from aimi.plugins.manager import BUILTIN_PLUGINS, PluginError, PluginManager, get_manager
from aimi.plugins.scoring import default_states
from aimi.plugins.settings import PluginSettingsError, PluginState
from aimi.plugins.types import AnswerInput, DimensionScore, OptionsError, OptionSpec, validate_options
from aimi.tenants.models import AuditLog, PluginSetting
from aimi.tenants.resolution import RealmDispatcher
from aimi.web.cli import main
from aimi.web.portal import create_portal_app

EXAMPLE = Path(__file__).parent / "plugin_example"
BUILTIN_NAMES = [dotted.rsplit(".", 1)[-1] for dotted in BUILTIN_PLUGINS]
DIMENSIONS = [dotted.rsplit(".", 1)[-1] for dotted in BUILTIN_EVALUATORS]  # the built-ins that score
ANSWER = AnswerInput(
    id="a1", question="Why do you want this role?",
    answer="I love building tools for students. I am excited to learn from your team.",
    reference_answers=("I enjoy building software that helps people learn.",),
    keywords=("students", "team"), type="hr")


@pytest.fixture(scope="module")
def example_plugin():
    """tests/plugin_example installed for real (editable), so its ``aimi`` entry point
    exists; module scope keeps the window in which it is installed short."""
    before = set(Path(sysconfig.get_paths()["purelib"]).glob("*.pth"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "-e", str(EXAMPLE)], check=True)
    importlib.invalidate_caches()
    for pth in set(Path(sysconfig.get_paths()["purelib"]).glob("*.pth")) - before:
        site.addpackage(str(pth.parent), pth.name, None)  # what start-up does for a .pth
    get_manager.cache_clear()
    yield "enthusiasm"
    subprocess.run([sys.executable, "-m", "pip", "uninstall", "--quiet", "-y", "aimi-plugin-enthusiasm"],
                   check=True)
    for leftover in (*EXAMPLE.glob("*.egg-info"), EXAMPLE / "build"):
        shutil.rmtree(leftover, ignore_errors=True)
    importlib.invalidate_caches()
    get_manager.cache_clear()


def aimi(world, *args: str):
    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: world.app))


def enable(ref, plugin: str, manager: PluginManager | None = None, **options) -> dict:
    with tenant_scope(ref):
        diff = plugin_settings.save(tenant_session(), plugin, True, options, manager=manager)
        tenant_session.commit()
    return diff


def states_of(ref, manager: PluginManager | None = None) -> dict[str, PluginState]:
    with tenant_scope(ref):
        return plugin_settings.load(tenant_session(), manager)


def by_name(scores: list[DimensionScore]) -> dict[str, DimensionScore]:
    return {score.name: score for score in scores}


# -- The external plugin, through its entry point -----------------------------------------


def test_external_plugin_is_discovered_through_its_entry_point_and_scores(world, example_plugin):
    manager = PluginManager()  # fresh: entry points, then the built-ins
    info = {p.name: p for p in manager.info()}
    assert list(info) == [*BUILTIN_NAMES, "enthusiasm"]
    assert info["enthusiasm"].source == "aimi-plugin-enthusiasm 0.1.0" and not info["enthusiasm"].builtin
    assert info["enthusiasm"].hooks == ("aimi_options", "aimi_score_answer")
    assert info["content"].source == "built-in" and "aimi_score_answer" in info["content"].hooks

    suffix = uuid.uuid4().hex[:6]
    keen, other = world.new_tenant(f"keen-{suffix}"), world.new_tenant(f"other-{suffix}")
    assert not states_of(other, manager)["enthusiasm"].enabled  # third-party: off until chosen
    enable(keen, "enthusiasm", manager, points_per_word=30)

    scored = by_name(manager.score_answer(ANSWER, tenant=keen.slug, settings=states_of(keen, manager)))
    assert set(scored) == {*DIMENSIONS, "enthusiasm"}
    keen_score = scored["enthusiasm"]
    assert keen_score.score == 60 and keen_score.plugin == "enthusiasm" and not keen_score.error
    spans = keen_score.evidence["spans"]
    assert [ANSWER.answer[start:end] for start, end in spans] == ["love", "excited"]

    plain = by_name(manager.score_answer(ANSWER, tenant=other.slug, settings=states_of(other, manager)))
    assert set(plain) == set(DIMENSIONS)
    assert all(plain[name].score == scored[name].score for name in DIMENSIONS)  # deterministic


def test_plugins_list_shows_sources_hooks_and_a_tenants_choices(world, example_plugin):
    listed = aimi(world, "plugins", "list", "--json")
    assert listed.exit_code == 0, listed.output
    rows = {row["name"]: row for row in json.loads(listed.output)}
    assert set(rows) >= {*BUILTIN_NAMES, "enthusiasm"}
    assert rows["enthusiasm"]["source"] == "aimi-plugin-enthusiasm 0.1.0"
    assert "enabled" not in rows["content"] and rows["content"]["builtin"]

    alpha, beta = world.tenants["alpha"], world.tenants["beta"]
    enable(alpha, "enthusiasm", api_token="alpha-very-secret", points_per_word=40)
    for_alpha = aimi(world, "plugins", "list", "--tenant", "alpha", "--json")
    assert for_alpha.exit_code == 0 and "alpha-very-secret" not in for_alpha.output
    alpha_rows = {row["name"]: row for row in json.loads(for_alpha.output)}
    assert alpha_rows["enthusiasm"]["enabled"] is True
    assert alpha_rows["enthusiasm"]["options"] == {"points_per_word": 40, "count": "words",
                                                   "api_token": "********"}
    assert alpha_rows["content"]["enabled"] is True and "coverage_weight" in alpha_rows["content"]["options"]

    # Isolation: alpha's choice is alpha's alone.
    beta_rows = {row["name"]: row for row in json.loads(
        aimi(world, "plugins", "list", "--tenant", "beta", "--json").output)}
    assert beta_rows["enthusiasm"]["enabled"] is False
    assert beta_rows["enthusiasm"]["options"] == {"points_per_word": 25, "count": "words", "api_token": ""}
    assert not states_of(beta)["enthusiasm"].enabled

    text = aimi(world, "plugins", "list", "--tenant", "alpha")
    assert text.exit_code == 0 and "alpha-very-secret" not in text.output
    assert "enthusiasm" in text.output and "aimi-plugin-enthusiasm 0.1.0" in text.output
    unknown = aimi(world, "plugins", "list", "--tenant", "no-such-college")
    assert unknown.exit_code == 1 and "no tenant with slug 'no-such-college'" in unknown.output


# -- The admin page ------------------------------------------------------------------------


def test_admin_page_turns_plugins_on_and_validates_options(world, example_plugin):
    slug = f"page-{uuid.uuid4().hex[:6]}"
    ref = world.new_tenant(slug)
    admin = world.login(slug, "admin")
    listing = admin.get(f"/t/{slug}/manage/plugins")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert "aimi-plugin-enthusiasm 0.1.0" in html and f'href="/t/{slug}/manage/plugins"' in html  # nav

    url = f"/t/{slug}/manage/plugins/enthusiasm"
    token = csrf_token(admin.get(url).get_data(as_text=True))
    bad = admin.post(url, data={"csrf_token": token, "enabled": "y", "option_points_per_word": "lots",
                                "option_count": "shouting", "option_api_token": "tok-123456"})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    for field, message in {"points_per_word": "use a whole number",
                           "count": "choose one of: words, words_and_marks"}.items():
        assert f'<ul class="field-error" id="option_{field}-error"><li>{message}</li>' in page, field
    assert "tok-123456" not in page
    with tenant_scope(ref):
        assert tenant_session.get(PluginSetting, "enthusiasm") is None
        assert not tenant_session.scalar(select(func.count()).select_from(AuditLog)
                                         .where(AuditLog.action == "plugin.changed"))

    too_big = admin.post(url, data={"csrf_token": token, "option_points_per_word": "500",
                                    "option_count": "words"})
    assert "use a value of at most 100" in too_big.get_data(as_text=True)

    good = admin.post(url, data={"csrf_token": token, "enabled": "y", "option_points_per_word": "10",
                                 "option_count": "words_and_marks", "option_api_token": "tok-123456"})
    assert good.status_code == 302
    state = states_of(ref)["enthusiasm"]
    assert state.enabled and state.options == {"points_per_word": 10, "count": "words_and_marks",
                                               "api_token": "tok-123456"}
    assert "tok-123456" not in admin.get(url).get_data(as_text=True)
    # An empty secret field keeps the stored secret.
    admin.post(url, data={"csrf_token": token, "enabled": "y", "option_points_per_word": "12",
                          "option_count": "words_and_marks", "option_api_token": ""})
    assert states_of(ref)["enthusiasm"].options["api_token"] == "tok-123456"

    toggled = admin.post(f"{url}/toggle", data={"csrf_token": token, "enabled": "0"})
    assert toggled.status_code == 302 and not states_of(ref)["enthusiasm"].enabled
    no_csrf = admin.post(f"{url}/toggle", data={"enabled": "1"})
    assert no_csrf.status_code == 400 and not states_of(ref)["enthusiasm"].enabled
    assert admin.get(f"/t/{slug}/manage/plugins/no-such-plugin").status_code == 404

    with tenant_scope(ref):
        entries = list(tenant_session.scalars(select(AuditLog).where(AuditLog.action == "plugin.changed")
                                              .order_by(AuditLog.id)))
        details = [entry.details["changes"] for entry in entries]
        assert all(entry.actor_email == world.email(slug, "admin") for entry in entries)
    assert details[0]["enabled"] == [False, True] and details[0]["api_token"] == "changed"
    assert details[1] == {"points_per_word": [10, 12]}
    assert details[2] == {"enabled": [True, False]}
    assert "tok-123456" not in json.dumps(details)


def test_plugins_page_is_for_this_tenants_admins_only(world):
    url = "/t/beta/manage/plugins"
    assert world.login("beta", "mentor").get(url).status_code == 403
    assert world.login("beta", "candidate").get("/t/beta/manage/plugins/content").status_code == 403
    anonymous = world.client().get(url)
    assert anonymous.status_code == 302 and "/t/beta/login" in anonymous.headers["Location"]

    alpha_admin = world.login("alpha", "admin")
    token = csrf_token(alpha_admin.get("/t/alpha/manage/plugins").get_data(as_text=True))
    assert alpha_admin.get(url).status_code == 302  # alpha's session means nothing in beta
    refused = alpha_admin.post("/t/beta/manage/plugins/tone/toggle",
                               data={"csrf_token": token, "enabled": "0"})
    assert refused.status_code in (302, 400, 401, 403)
    assert states_of(world.tenants["beta"])["tone"].enabled


# -- Validation through the function ----------------------------------------------------------


class Configurable:
    """A plugin with one option of each kind the manager supports."""

    @hookimpl
    def aimi_options(self):
        return {
            "limit": OptionSpec(int, 5, min=1, max=10),
            "ratio": OptionSpec(float, 0.5, min=0, max=1),
            "strict": OptionSpec(bool, False),
            "voice": OptionSpec(str, "en-US", choices=("en-US", "en-IN")),
            "words": OptionSpec(list, ["um"]),
            "key": OptionSpec(str, "", secret=True),
        }


def test_options_are_coerced_and_each_bad_one_explained():
    specs = Configurable().aimi_options()
    good = validate_options(specs, {"limit": " 7 ", "ratio": "0.25", "strict": "on",
                                                    "words": '["uh", "like"]', "key": "k"})
    assert good == {"limit": 7, "ratio": 0.25, "strict": True, "voice": "en-US", "words": ["uh", "like"],
                    "key": "k"}
    with pytest.raises(OptionsError) as refused:
        validate_options(specs, {"limit": "2.5", "ratio": 3, "strict": "maybe",
                                 "voice": "fr-FR", "words": "um, uh", "colour": "red"})
    assert refused.value.errors == {
        "limit": "use a whole number",
        "ratio": "use a value of at most 1",
        "strict": "use true or false",
        "voice": "choose one of: en-US, en-IN",
        "words": "use JSON, e.g. []",
        "colour": "unknown option (this plugin accepts: key, limit, ratio, strict, voice, words)",
    }
    assert isinstance(refused.value, ValueError)


def test_options_given_without_a_tenant_are_checked_the_same_way():
    """A benchmark's or a test's options (``default_states``) get the OptionSpec check an
    admin's get, so a typo is an error, not a silently ignored option."""
    with pytest.raises(OptionsError) as refused:
        default_states({"content": {"similarity_method": "magic", "colour": "blue"}, "ghost": {}})
    assert refused.value.errors == {"ghost": "no plugin named 'ghost' is installed"}
    with pytest.raises(OptionsError) as refused:
        default_states({"content": {"similarity_method": "magic", "colour": "blue"}})
    assert refused.value.errors["similarity_method"] == "choose one of: auto, lexical, semantic"
    assert refused.value.errors["colour"].startswith("unknown option (this plugin accepts: coverage_weight")
    assert default_states({"structure": {"mixed_star_weight": "0.75"}})["structure"].options == {
        "mixed_star_weight": 0.75}


def test_bad_options_are_refused_and_nothing_is_written(world):
    manager = PluginManager(builtins=(), entry_points=False)
    manager.register(Configurable(), "configurable")
    ref = world.new_tenant(f"opts-{uuid.uuid4().hex[:6]}")
    with tenant_scope(ref):
        session = tenant_session()
        with pytest.raises(OptionsError) as refused:
            plugin_settings.save(session, "configurable", True, {"limit": 0, "nonsense": 1}, manager=manager)
        assert refused.value.errors == {"limit": "use a value of at least 1",
                                        "nonsense": "unknown option (this plugin accepts: key, limit, "
                                                    "ratio, strict, voice, words)"}
        with pytest.raises(PluginSettingsError, match="no plugin named 'ghost' is installed"):
            plugin_settings.save(session, "ghost", True, {}, manager=manager)
        assert not session.new and not session.dirty
        diff = plugin_settings.save(session, "configurable", True, {"limit": 9, "key": "s3cret"},
                                    manager=manager)
        session.commit()
        assert diff == {"enabled": [False, True], "limit": [5, 9], "key": "changed"}
        state = plugin_settings.load(session, manager)["configurable"]
        assert state.enabled and state.options["limit"] == 9 and state.options["voice"] == "en-US"
        assert plugin_settings.save(session, "configurable", None, {"limit": "9"}, manager=manager) == {}


# -- Failures and start-up checks ---------------------------------------------------------


class Boom:
    @hookimpl
    def aimi_score_answer(self, answer, context):
        raise RuntimeError("model file missing")


class Nonsense:
    @hookimpl
    def aimi_score_answer(self):
        return {"score": 200}


def test_a_raising_plugin_leaves_the_other_dimensions_intact():
    manager = PluginManager(entry_points=False)
    manager.register(Boom(), "boom")
    manager.register(Nonsense(), "nonsense")
    on = {"boom": PluginState(True), "nonsense": PluginState(True)}
    scores = by_name(manager.score_answer(ANSWER, tenant="t", settings=on))
    assert scores["boom"] == DimensionScore("boom", None, plugin="boom",
                                            error="RuntimeError: model file missing")
    assert scores["nonsense"].score is None and scores["nonsense"].error.startswith(
        "TypeError: aimi_score_answer must return a list of DimensionScore")
    assert all(scores[name].score is not None and not scores[name].error for name in DIMENSIONS)
    assert "boom" not in by_name(manager.score_answer(ANSWER, tenant="t", settings={}))  # off by default


def test_broken_plugins_fail_at_start_up_with_a_clear_error():
    class Typo:
        @hookimpl
        def aimi_score_anwser(self, answer, context):
            return []

    class WrongArguments:
        @hookimpl
        def aimi_score_answer(self, answer, ctx):
            return []

    class BadOptions:
        @hookimpl
        def aimi_options(self):
            return {"size": OptionSpec(int, 50, max=10)}

    manager = PluginManager(builtins=(), entry_points=False)
    with pytest.raises(PluginError, match=r"plugin 'typo' is broken: unknown hook 'aimi_score_anwser'.*"
                                          r"Known hooks: .*aimi_score_answer"):
        manager.register(Typo(), "typo")
    with pytest.raises(PluginError, match=r"(?s)plugin 'wrong' is broken: .*'ctx'"):
        PluginManager(builtins=(), entry_points=False).register(WrongArguments(), "wrong")
    with pytest.raises(PluginError, match=r"plugin 'bad': an option's default is invalid: "
                                          r"size: use a value of at most 10"):
        PluginManager(builtins=(), entry_points=False).register(BadOptions(), "bad")
    with pytest.raises(PluginError, match="plugin 'content' cannot be registered"):
        PluginManager(entry_points=False).register(Boom(), "content")


# -- Blueprints and commands ----------------------------------------------------------------


class Pages:
    def __init__(self, blueprint_name: str):
        self.blueprint_name = blueprint_name

    @hookimpl
    def aimi_register_blueprints(self, app, portal):
        bp = Blueprint(self.blueprint_name, __name__, url_prefix="/hello")
        bp.add_url_rule("/", "index", lambda: f"hello from the {portal} portal")
        app.register_blueprint(bp)


def test_plugin_blueprints_are_named_and_answer_only_tenants_that_enabled_them(world):
    manager = PluginManager(builtins=(), entry_points=False)
    manager.register(Pages("plugin_hello"), "hello")
    portal = create_portal_app(world.settings, world.database)
    manager.register_blueprints(portal, "tenant")
    app = RealmDispatcher(world.app.wsgi_app, portal, world.app.extensions["aimi_console"],
                          base_domain=world.settings.base_domain,
                          platform_hosts=world.settings.platform_hosts)
    ref = world.new_tenant(f"hello-{uuid.uuid4().hex[:6]}")
    client = Client(app)
    assert client.get(f"/t/{ref.slug}/hello/").status_code == 404
    enable(ref, "hello", manager)
    page = client.get(f"/t/{ref.slug}/hello/")
    assert page.status_code == 200 and page.get_data(as_text=True) == "hello from the tenant portal"
    assert client.get("/t/beta/hello/").status_code == 404

    badly_named = PluginManager(builtins=(), entry_points=False)
    badly_named.register(Pages("hello_pages"), "hello")
    with pytest.raises(PluginError, match=r"blueprint must be named 'plugin_hello'"):
        badly_named.register_blueprints(Flask("check"), "platform")


class Commands:
    @hookimpl
    def aimi_register_commands(self, cli):
        @cli.command("greet")
        def greet():
            click.echo("hello from a plugin")


class Hijacker:
    @hookimpl
    def aimi_register_commands(self, cli):
        cli.add_command(click.Command("existing", callback=lambda: None))


def test_plugin_commands_are_added_and_cannot_replace_others():
    @click.group()
    def cli():
        pass

    @cli.command("existing")
    def existing():
        click.echo("original")

    manager = PluginManager(builtins=(), entry_points=False)
    manager.register(Commands(), "commands")
    manager.register_commands(cli)
    assert CliRunner().invoke(cli, ["greet"]).output == "hello from a plugin\n"
    hijack = PluginManager(builtins=(), entry_points=False)
    hijack.register(Hijacker(), "hijacker")
    with pytest.raises(PluginError, match=r"plugin 'hijacker' replaced the command\(s\) \['existing'\]"):
        hijack.register_commands(cli)
