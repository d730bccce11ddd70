"""Browser journeys: one Chromium for the whole run, a fresh context (cookies, language,
viewport) per role, the modules' own fixtures for the data each journey starts from.

Helpers:
  open_as(user, lang, viewport) -> a page logged in through the real login form
  chinese_outside(page, data)   -> the Chinese left on the page once known data is removed
  axe(page)                     -> axe-core's serious and critical violations on the page
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings

# The modules' fixtures the journeys start from (data set up through the services).
from lehuo.blood.tests.conftest import drive  # noqa: F401
from lehuo.daycare.tests.conftest import assigned_site_head, make_child, offering, site, terms, year  # noqa: F401
from lehuo.newsletter.tests.conftest import issue, publication  # noqa: F401
from lehuo.training.tests.conftest import cohort, make_cohort, programme  # noqa: F401

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def open_as(browser, live_server):
    """``open_as(username, lang="zh-hans", viewport=None)``: a page logged in as that persona
    (password ``pw-<username>``, as the root conftest makes them), in that language."""
    contexts = []

    def factory(username: str, lang: str = "zh-hans", viewport=None):
        context = browser.new_context(viewport=viewport or DESKTOP, locale="en-GB" if lang == "en" else "zh-CN",
                                      bypass_csp=True, accept_downloads=True)  # bypass_csp: to inject axe-core
        contexts.append(context)
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto(live_server.url + "/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", f"pw-{username}")
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert "/accounts/login/" not in page.url, f"{username} could not log in"
        page.base = live_server.url
        return page

    yield factory
    for context in contexts:
        context.close()


CHINESE = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]+")


def chinese_outside(page, data=()) -> list[str]:
    """The Chinese on the page (its text, titles, labels, placeholders and options) once the
    known data is taken out: names, places, titles typed by people. Empty means the page is
    English apart from its data."""
    text = page.evaluate("""() => {
        const bits = [document.title, document.body.innerText];
        document.querySelectorAll('[placeholder],[aria-label],[title],[alt]').forEach(e => {
            for (const a of ['placeholder', 'aria-label', 'title', 'alt']) { if (e.getAttribute(a)) bits.push(e.getAttribute(a)); }
        });
        document.querySelectorAll('option').forEach(o => bits.push(o.textContent));
        return bits.join('\\n');
    }""")
    text = text.replace("简体中文", "")  # the language selector names each language in itself
    for value in sorted((str(d) for d in data if d), key=len, reverse=True):
        text = text.replace(value, "")
    lines = [line.strip() for line in text.splitlines() if CHINESE.search(line)]
    return sorted(set(lines))


def check_english(page, lang: str, data=(), where: str = "") -> None:
    if lang != "en":
        return
    left = chinese_outside(page, data)
    if os.environ.get("JOURNEY_COLLECT") and left:  # list every page's leftovers instead of stopping
        print(f"\n## {where or page.url}\n  " + "\n  ".join(left))
        return
    assert left == [], f"Chinese on the English page {where or page.url}:\n  " + "\n  ".join(left)


def axe(page, tags=("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")) -> list[dict]:
    """axe-core (from npm, node_modules/axe-core) run in the page: its serious and critical
    violations, each with its rule id, help text and the first offending elements."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make install` (npm install puts it in node_modules)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", list(tags))
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"][:5]]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]
