"""Branding that shows: an admin uploads a logo (PNG, JPEG or WebP, size-limited, resized,
never SVG) kept in the college's own file space; the URL form stays (no protocol-relative
addresses); a logo that fails to load leaves the name, never a broken image; the accent
colour is on the header, the primary buttons and the charts; the tab has a favicon."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from e2e_helpers import live_server, new_page
from helpers import PASSWORD, csrf_token
from PIL import Image

from aimi.platform.db import tenant_scope, tenant_session
from aimi.tenants import branding
from aimi.tenants import settings as tenant_settings


def _image(fmt: str, size=(1200, 400)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def _college(world):
    slug = f"brand-{uuid.uuid4().hex[:8]}"
    return world.new_tenant(slug, "Brand College"), world.login(slug, "admin")


def _upload(client, slug: str, data: bytes, name: str):
    token = csrf_token(client.get(f"/t/{slug}/manage/settings").get_data(as_text=True))
    return client.post(f"/t/{slug}/manage/settings/logo", content_type="multipart/form-data",
                       data={"csrf_token": token, "logo": (io.BytesIO(data), name)})


def _logo_src(html: str) -> str | None:
    found = re.search(r'<img class="brand__logo" src="([^"]+)"', html)
    return found.group(1) if found else None


def test_logo_upload_resizes_serves_and_replaces(world):
    ref, admin = _college(world)
    slug = ref.slug
    assert _logo_src(admin.get(f"/t/{slug}/dashboard").get_data(as_text=True)) is None
    for data, name in ((SVG, "logo.svg"), (b"not an image", "logo.png"), (b"", "empty.png"),
                       (b"\x89PNG" + b"0" * branding.MAX_LOGO_BYTES, "huge.png"),
                       (_image("GIF"), "logo.gif")):
        refused = _upload(admin, slug, data, name)
        assert refused.status_code == 303, name
        with tenant_scope(ref):
            assert tenant_settings.load(tenant_session()).logo_file == "", name
    page = admin.get(f"/t/{slug}/manage/settings").get_data(as_text=True)
    assert "Send a PNG, JPEG or WebP image, not GIF." in page or "not a PNG, JPEG or WebP" in page

    served = []
    for fmt, name in (("PNG", "a.png"), ("JPEG", "b.jpg"), ("WEBP", "c.webp")):
        assert _upload(admin, slug, _image(fmt, (1200 + len(served), 400)), name).status_code == 302
        html = admin.get(f"/t/{slug}/dashboard").get_data(as_text=True)
        src = _logo_src(html)
        assert src and src.startswith(f"/t/{slug}/branding/logo-")
        assert f'<link rel="icon" type="image/png" href="{src}">' in html
        resp = world.client().get(src)  # anyone: the sign-in page shows it
        assert resp.status_code == 200 and resp.headers["Content-Type"] == "image/png"
        image = Image.open(io.BytesIO(resp.data))
        assert image.format == "PNG" and image.size[0] <= 288 and image.size[1] <= 72
        served.append(src)
    # Each new logo replaced the last: the earlier files are gone once it committed.
    assert [world.client().get(src).status_code for src in served] == [404, 404, 200]
    files = world.settings.effective_files_root / slug / "branding"
    assert len(list(files.iterdir())) == 1

    token = csrf_token(admin.get(f"/t/{slug}/manage/settings").get_data(as_text=True))
    assert admin.post(f"/t/{slug}/manage/settings/logo/remove", data={"csrf_token": token}).status_code == 302
    html = admin.get(f"/t/{slug}/dashboard").get_data(as_text=True)
    assert _logo_src(html) is None and "Brand College" in html
    assert 'href="/static/favicon.svg"' in html or "favicon.svg" in html
    assert world.client().get(served[-1]).status_code == 404


def test_logo_url_refuses_protocol_relative_addresses(world):
    ref, _admin = _college(world)
    with tenant_scope(ref):
        session = tenant_session()
        for bad in ("//evil.example/logo.png", "/\\evil.example/logo.png", "http://college.edu/logo.png",
                    "javascript:alert(1)"):
            with pytest.raises(tenant_settings.SettingsError) as refused:
                tenant_settings.save(session, {"logo_url": bad})
            assert "logo_url" in refused.value.errors
        tenant_settings.save(session, {"logo_url": "https://college.edu/logo.png"})
        session.rollback()


def test_uploads_need_an_admin(world):
    ref, _admin = _college(world)
    resp = world.client().post(f"/t/{ref.slug}/manage/settings/logo", data={})
    assert resp.status_code in (302, 400, 401, 403)
    with tenant_scope(ref):
        assert tenant_settings.load(tenant_session()).logo_file == ""


def test_a_logo_stays_in_its_college(world):
    alpha_ref, alpha = _college(world)
    beta_ref, _beta = _college(world)
    assert _upload(alpha, alpha_ref.slug, _image("PNG"), "a.png").status_code == 302
    src = _logo_src(alpha.get(f"/t/{alpha_ref.slug}/dashboard").get_data(as_text=True))
    name = src.rsplit("/", 1)[1]
    assert world.client().get(f"/t/{beta_ref.slug}/branding/{name}").status_code == 404
    assert (world.settings.effective_files_root / alpha_ref.slug / "branding" / name).is_file()
    assert not (world.settings.effective_files_root / beta_ref.slug / "branding").exists()
    # A name that is not the college's current logo is never read, even one of its own folder.
    assert world.client().get(f"/t/{alpha_ref.slug}/branding/..%2F..%2Fbeta").status_code == 404


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # layout: the backend adds nothing
def test_in_chromium_a_missing_logo_leaves_the_name_and_the_accent_shows(world, browser):
    ref, _admin = _college(world)
    with tenant_scope(ref):
        session = tenant_session()
        tenant_settings.save(session, {"logo_url": "/no-such-logo.png", "accent_color": "#d55e00",
                                       "display_name": "Brand College"})
        session.commit()
    with live_server(world.app) as url:
        page = new_page(browser, url)
        page.goto(f"/t/{ref.slug}/login")
        page.get_by_label("Email").fill(world.email(ref.slug, "admin"))
        page.get_by_label(re.compile(r"^Password")).fill(PASSWORD)
        page.get_by_role("button", name="Login").click()
        page.wait_for_url(re.compile(r"/dashboard$"))
        page.wait_for_load_state("load")
        assert page.locator("img.brand__logo").count() == 0  # removed, not shown broken
        assert page.locator(".brand__name").inner_text() == "Brand College"
        accent = "rgb(213, 94, 0)"
        assert page.evaluate("getComputedStyle(document.querySelector('.site-header'))"
                             ".borderBottomColor") == accent
        page.goto(f"/t/{ref.slug}/manage/settings")
        button = page.locator(".btn--primary").first
        assert accent in button.evaluate("b => getComputedStyle(b).boxShadow")
        assert page.evaluate("document.querySelector('link[rel=icon]').href").endswith("/static/favicon.svg")
        page.context.close()
