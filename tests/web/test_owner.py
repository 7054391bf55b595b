"""The workshop owner's pages in chromium: sign in with the key, edit a rate and see the new price,
calibrate from a history, and keep other shops and buyers out."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import Server, shot

pytestmark = pytest.mark.slow
expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect
RATE = '[data-path=\'["processes","cnc_milling","machines",0,"rate_eur_h"]\']'
RATES = '[data-path^=\'["processes","cnc_milling","machines",\'][data-path$=\',"rate_eur_h"]\']'


def sign_in(page: Any, server: Server, key: str) -> None:
    page.goto(f"{server.url}/shop/login")
    page.fill("#api_key", key)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_edit_a_rate_and_see_the_new_price(page: Any, server: Server, screens: Path) -> None:
    sign_in(page, server, server.key("owner", "lyon-usinage"))
    assert page.url.endswith("/shop/lyon-usinage")
    cookie = next(c for c in page.context.cookies() if c["name"] == "mf_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    page.wait_for_selector("#preview tbody tr")
    rates = {i: float(r.input_value()) for i, r in enumerate(page.locator(RATES).all())}
    assert len(rates) >= 1
    page.fill(RATE, "-5")
    page.click("#save-btn")
    page.wait_for_selector("#error:not([hidden])")
    assert "rate" in page.inner_text("#error").lower()
    for i, rate in enumerate(page.locator(RATES).all()):  # every milling machine dearer: the cheapest too
        rate.fill(str(rates[i] * 2))
    page.click("#save-btn")
    expect(page.locator("#status")).to_have_text(re.compile("^Saved as version"), timeout=120_000)
    before = page.locator("#preview td.before").all_inner_texts()
    after = page.locator("#preview td.after").all_inner_texts()
    assert "-" not in after and all(b != a for b, a in zip(before, after, strict=True) if b != "-")
    assert "rate_eur_h" in page.inner_text("#diff")
    shot(page, screens, "05-owner-ratecard", docs_from="#tables h2:has-text('Finishes')")


def test_live_preview_before_saving(page: Any, server: Server, screens: Path) -> None:
    """Editing a rate shows the new prices before anything is saved; an invalid value is explained beside its field."""
    shop = "dijon-meca-bourgogne"
    sign_in(page, server, server.key("owner", shop))
    page.wait_for_selector("#preview tbody tr")
    expect(page.locator("#status")).to_have_text("")  # the reference parts are priced with the saved card
    saved = page.locator("#preview td.before").all_inner_texts()
    assert saved == page.locator("#preview td.after").all_inner_texts() and "-" not in saved
    version = page.evaluate(f"fetch('/v1/workshops/{shop}/rate-card').then(r => r.json()).then(j => j.version)")
    rates = page.locator(RATES).all()
    for rate in rates:  # every milling machine dearer: the cheapest offer too
        rate.fill(str(float(rate.input_value()) * 2))
    expect(page.locator("#status")).to_have_text(re.compile("^Preview of your unsaved changes"), timeout=60_000)
    after = page.locator("#preview td.after").all_inner_texts()
    doubled = page.locator(RATE).input_value()
    assert page.locator("#preview td.before").all_inner_texts() == saved  # before: still the saved card
    assert all(_cents(a) > _cents(b) for b, a in zip(saved, after, strict=True)), (saved, after)
    assert page.locator("#preview td.up").count() == len(saved)
    shot(page, screens, "13-owner-live-preview", docs_from="#preview-h")
    stored = page.evaluate(f"fetch('/v1/workshops/{shop}/rate-card').then(r => r.json()).then(j => j.version)")
    assert stored == version  # nothing saved

    page.fill(RATE, "-5")
    message = page.locator(f"{RATE} + .field-error")
    expect(message).to_be_visible(timeout=60_000)
    assert "rate" in message.inner_text().lower()
    assert page.get_attribute(RATE, "aria-invalid") == "true" and page.locator("#error").is_hidden()
    assert page.locator("#preview td.after").all_inner_texts() == after  # the last valid draft's prices stay
    shot(page, screens, "14-owner-invalid-field")
    page.fill(RATE, "")  # no number: said beside the field before asking the API
    expect(message).to_contain_text("a number is needed")
    page.fill(RATE, doubled)
    expect(page.locator(".field-error")).to_have_count(0, timeout=60_000)


def _cents(text: str) -> int:
    return round(float(re.sub(r"[^\d.]", "", text)) * 100)


def test_calibration_plots(page: Any, server: Server, cad: dict[str, Path], screens: Path) -> None:
    sign_in(page, server, server.key("owner", "rennes-mecabreizh"))
    page.goto(f"{server.url}/shop/rennes-mecabreizh/calibration")
    page.wait_for_selector("body[data-ready=true]")
    page.set_input_files("#history", str(cad["csv"]))
    page.set_input_files("#files", str(cad["zip"]))
    page.click("#cal-btn")
    page.wait_for_selector("#result:not([hidden])", timeout=300_000)
    assert page.locator("#plot-scatter circle.point").count() == 15
    assert page.locator("#plot-scatter line.diagonal").count() == 1
    assert page.locator("#plot-residuals circle.point").count() == 15
    assert page.locator("#plot-coverage rect.bar").count() == 4
    assert page.locator("#implied tbody tr").count() >= 3
    shot(page, screens, "08-owner-calibration")
    page.click("#adopt-btn")
    expect(page.locator("#status")).to_have_text(re.compile("^Adopted"))


def test_other_shops_and_buyers_are_kept_out(page: Any, server: Server, screens: Path) -> None:
    page.goto(f"{server.url}/shop/lyon-usinage")
    assert page.url.endswith("/shop/login")  # no session: sign in first
    sign_in(page, server, server.key("buyer"))
    assert "not a workshop owner" in page.inner_text("main")
    sign_in(page, server, server.key("owner", "lille-microfab"))
    assert page.url.endswith("/shop/lille-microfab")
    response = page.goto(f"{server.url}/shop/lyon-usinage")
    assert response.status == 403 and "not lyon-usinage" in page.inner_text("main")
    response = page.goto(f"{server.url}/shop/lyon-usinage/calibration")
    assert response.status == 403
    shot(page, screens, "09-owner-forbidden")
    status = page.evaluate("fetch('/v1/workshops/lyon-usinage/rate-card').then(r => r.status)")
    assert status == 403
    # a write without the session's CSRF token goes on without the key: anonymous, refused
    status = page.evaluate("""fetch('/v1/workshops/lille-microfab/rate-card', {method: 'PUT',
        headers: {'Content-Type': 'application/json'}, body: '{}'}).then(r => r.status)""")
    assert status == 401
