"""Route each request to its realm before Flask sees it.

- ``/t/<slug>/…`` on a platform host: the tenant portal, with ``/t/<slug>`` moved into
  SCRIPT_NAME so every ``url_for`` inside the portal keeps the prefix by itself;
- ``<slug>.<AIMI_BASE_DOMAIN>`` and any other host: the tenant portal, resolved by
  subdomain or custom domain;
- ``/admin/…`` on a platform host: the super-admin console;
- anything else on a platform host (``/``, ``/healthz``, ``/readyz``): the platform app.

This layer only parses strings; the portal looks the tenant up and answers 404 or 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
ALWAYS_PLATFORM = ("/healthz", "/readyz")


@dataclass(frozen=True)
class Realm:
    kind: str  # "tenant", "console" or "platform"
    slug: str | None = None
    host: str | None = None
    prefix: str = ""
    path: str = "/"


def request_host(environ: dict) -> str:
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
    return host.rsplit(":", 1)[0].lower().rstrip(".") if not host.startswith("[") else host


def classify(host: str, path: str, base_domain: str, platform_hosts: Iterable[str]) -> Realm:
    if path in ALWAYS_PLATFORM:
        return Realm("platform", path=path)
    on_platform = host == base_domain or host in platform_hosts or host == f"www.{base_domain}"
    if on_platform:
        if path.startswith("/t/"):
            slug, _, rest = path[3:].partition("/")
            return Realm("tenant", slug=slug, prefix=f"/t/{slug}", path="/" + rest)
        if path == "/admin" or path.startswith("/admin/"):
            return Realm("console", prefix="/admin", path=path[len("/admin"):] or "/")
        return Realm("platform", path=path)
    if host.endswith(f".{base_domain}"):
        sub = host[: -len(base_domain) - 1]
        if "." not in sub:
            return Realm("tenant", slug=sub, path=path)
    return Realm("tenant", host=host, path=path)


class RealmDispatcher:
    """WSGI middleware sending each request to the portal, the console or the platform."""

    def __init__(self, platform: WSGIApp, portal: WSGIApp, console: WSGIApp,
                 base_domain: str, platform_hosts: Iterable[str]):
        self.apps = {"platform": platform, "tenant": portal, "console": console}
        self.base_domain = base_domain
        self.platform_hosts = tuple(platform_hosts)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        realm = classify(request_host(environ), environ.get("PATH_INFO", "/") or "/",
                         self.base_domain, self.platform_hosts)
        if realm.prefix:
            if realm.kind == "tenant" and environ.get("PATH_INFO") == realm.prefix:
                location = environ.get("SCRIPT_NAME", "") + realm.prefix + "/"
                start_response("308 Permanent Redirect", [("Location", location)])
                return [b""]
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + realm.prefix
            environ["PATH_INFO"] = realm.path
        environ["aimi.realm"] = realm
        return self.apps[realm.kind](environ, start_response)
