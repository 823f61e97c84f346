"""People in a real browser: an admin adds a coordinator and a viewer, who set their passwords
through one-time links; a reset link works once; the viewer's every POST is refused."""

from __future__ import annotations

import re

from scheduler.registry import opened
from scheduler.registry import people as store
from scheduler.web import create_app
from tests.clinic_browser import NOW, PASSWORD, chromium, cli_run, log_in, served

NEW_PASSWORD = "a brand new password"


def _link(page) -> str:
    url = page.input_value("#reset-link")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/reset/[A-Za-z0-9_-]{43}", url), url
    return url


def _set_password(browser, base: str, link: str, password: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(link)
    page.fill("input[name=new]", password)
    page.fill("input[name=repeat]", password)
    page.click("button.primary")
    page.wait_for_url(base + "/login")
    context.close()


def test_an_admin_adds_people_who_set_passwords_and_a_viewer_changes_nothing(tmp_path):
    db = str(tmp_path / "registry.sqlite3")
    cli_run(db, "user", "add", "li.na", "--admin", "--author", "root", "--password-stdin",
            stdin=PASSWORD + "\n")
    cli_run(db, "patient", "add", "P017", "nct06478355", "--start", "2026-03-02", "--author", "li.na")
    with served(db, tmp_path) as base, chromium() as browser:
        admin = browser.new_context().new_page()
        log_in(admin, base, "li.na")
        admin.click("header nav >> text=Admin")
        admin.wait_for_url(base + "/admin/people")
        admin.fill("input[name=name]", "wang.fang")
        admin.select_option("form.row select[name=role]", "coordinator")
        admin.click("button[value=add]")
        assert admin.inner_text("p.flash") == "Added coordinator wang.fang."
        coordinator_link = _link(admin)
        admin.fill("input[name=name]", "zhao.lei")
        admin.select_option("form.row select[name=role]", "viewer")
        admin.click("button[value=add]")
        first_viewer_link = _link(admin)
        assert admin.inner_text("#person-zhao\\.lei td:nth-child(2)") == "viewer"

        # The coordinator sets a password through the link and logs in; /admin is not theirs.
        _set_password(browser, base, coordinator_link, PASSWORD)
        coordinator = browser.new_context().new_page()
        coordinator.goto(coordinator_link)
        assert "has been used already" in coordinator.inner_text("p.error")
        log_in(coordinator, base, "wang.fang")
        assert coordinator.locator("header nav >> text=Admin").count() == 0
        assert coordinator.goto(base + "/admin/people").status == 403

        # The admin resets the viewer's password: the first link stops working, the new one works.
        admin.click("#person-zhao\\.lei button[value=reset]")
        second_viewer_link = _link(admin)
        viewer = browser.new_context().new_page()
        assert viewer.goto(first_viewer_link).status == 410
        _set_password(browser, base, second_viewer_link, NEW_PASSWORD)
        log_in(viewer, base, "zhao.lei", NEW_PASSWORD)

        # The viewer reads the patient's page, and every POST route refuses them.
        assert viewer.goto(base + "/patients/P017").status == 200
        assert viewer.locator("main form[method=post]:visible").count() == 0
        csrf = viewer.input_value("form.logout input[name=csrf]")
        refused = []
        for path in _post_paths(db, tmp_path):
            status, text = viewer.evaluate(
                """async ([path, csrf]) => {
                     const r = await fetch(path, {method: "POST", body: new URLSearchParams({csrf,
                       action: "commit", revision: "0", name: "x.y", role: "admin"}),
                       redirect: "manual"});
                     return [r.status, await r.text()]; }""", [path, csrf])
            assert status == 403, (path, status)
            assert ("You are a viewer: you can read every page but change nothing" in text
                    or "Only an admin can open this page." in text), path
            refused.append(path)
        assert "/patients/P017/change" in refused and "/admin/people" in refused and len(refused) >= 12

        # The last admin cannot disable themselves; the page says why.
        admin.goto(base + "/admin/people")
        admin.click("#person-li\\.na button[value=disable]")
        assert admin.inner_text("p.error").startswith("li.na is the last active admin")
    with opened(db) as registry:
        assert len(registry.history(registry.plan("P017").id)) == 0
        assert [(c.user_name, c.kind, c.author) for c in store.changes(registry)] == [
            ("li.na", "added", "root"), ("wang.fang", "added", "li.na"),
            ("wang.fang", "reset-issued", "li.na"), ("zhao.lei", "added", "li.na"),
            ("zhao.lei", "reset-issued", "li.na"), ("wang.fang", "reset-used", "wang.fang"),
            ("zhao.lei", "reset-issued", "li.na"), ("zhao.lei", "reset-used", "zhao.lei")]
        assert {c.at for c in store.changes(registry)[1:]} == {NOW.isoformat()}


def _post_paths(db: str, tmp_path) -> list[str]:
    """Every route answering POST, its parameters filled (the viewer's own /logout and /account,
    and the token-holder's /reset/, excepted)."""
    app = create_app(db, issue_dir=tmp_path / "x")
    values = {"key": "P017", "number": "1", "version": "1", "name": "wang.fang", "token": "t",
              "template_id": "tc-6"}
    paths = []
    for route in app.routes:
        methods = getattr(route, "methods", None) or set()
        if "POST" not in methods or route.path in ("/logout", "/account") or route.path.startswith("/reset/"):
            continue
        paths.append(re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values[m.group(1)], route.path))
    return paths
