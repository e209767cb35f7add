"""How a host and path pick the realm (pure string parsing, no database)."""

from __future__ import annotations

import pytest

from aimi.platform.tenancy import InvalidSlugError, validate_slug
from aimi.tenants.resolution import classify

HOSTS = ("localhost", "127.0.0.1")


@pytest.mark.parametrize(
    ("host", "path", "kind", "slug", "host_key", "inner"),
    [
        ("localhost", "/t/alpha/login", "tenant", "alpha", None, "/login"),
        ("localhost", "/t/alpha/", "tenant", "alpha", None, "/"),
        ("aimi.test", "/admin/", "console", None, None, "/"),
        ("aimi.test", "/admin", "console", None, None, "/"),
        ("aimi.test", "/administrators", "platform", None, None, "/administrators"),
        ("alpha.aimi.test", "/login", "tenant", "alpha", None, "/login"),
        ("alpha.aimi.test", "/admin/", "tenant", "alpha", None, "/admin/"),
        ("careers.college.edu", "/", "tenant", None, "careers.college.edu", "/"),
        ("a.b.aimi.test", "/", "tenant", None, "a.b.aimi.test", "/"),
        ("alpha.aimi.test", "/healthz", "platform", None, None, "/healthz"),
        ("127.0.0.1", "/", "platform", None, None, "/"),
    ],
)
def test_classify(host, path, kind, slug, host_key, inner):
    realm = classify(host, path, "aimi.test", HOSTS)
    assert (realm.kind, realm.slug, realm.host, realm.path) == (kind, slug, host_key, inner)


@pytest.mark.parametrize("slug", ["ab", "a" * 41, "Alpha", "al_pha", "-alpha", "alpha-", "al--pha",
                                  "admin", "api", "www", "static", "t", ""])
def test_invalid_slugs_are_refused_with_a_reason(slug):
    with pytest.raises(InvalidSlugError) as info:
        validate_slug(slug)
    assert str(info.value)


@pytest.mark.parametrize("slug", ["abc", "iit-delhi", "college42", "a" * 40])
def test_valid_slugs(slug):
    assert validate_slug(slug) == slug
