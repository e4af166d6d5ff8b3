"""Playwright driving Debian's Chromium (/usr/bin/chromium; `make browser` installs it where it can)
against pytest-django's live server, under the production Content-Security-Policy. Screenshots of each step
go outside the repository: to MMIP_SCREENSHOTS if set, else to this run's pytest temporary directory (the
run's summary names it)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.csp import build_policy

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.2 A and AA, and the earlier levels they include.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium here (run `make browser`, or set CHROMIUM=/path/to/chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Runs in every page before its own scripts: each Content-Security-Policy violation is reported to the test.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
    window.reportCspViolation(
        `${location.pathname}: ${event.effectiveDirective} blocked ${event.blockedURI || "inline"}` +
        ` at ${event.sourceFile || "?"}:${event.lineNumber} ${event.sample || ""}`.trimEnd()
    );
});
"""


def production_policy(header: str) -> bool:
    """Whether ``header`` is the policy settings.SECURE_CSP builds, whatever its nonce."""
    nonce = re.search(r"'nonce-([^']+)'", header)
    return header == build_policy(settings.SECURE_CSP, nonce=nonce.group(1) if nonce else None)


@pytest.fixture
def page(browser, live_server, live_db):
    """A page under the Content-Security-Policy the app sends in production (not bypassed): anything the
    policy blocks on any page the test visits (an inline script or style, a foreign source) fails the test,
    and so does an HTML page served without that policy."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    violations: list[str] = []
    context.expose_function("reportCspViolation", lambda violation: violations.append(violation))
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15000)
    documents: list[tuple[str, str | None]] = []
    page.on(
        "response",
        lambda r: (
            r.request.resource_type == "document"
            and documents.append((r.url, r.headers.get("content-security-policy")))
        ),
    )
    yield page
    context.close()
    assert not violations, "the Content-Security-Policy blocked:\n" + "\n".join(violations)
    unprotected = [url for url, policy in documents if not (policy and production_policy(policy))]
    assert not unprotected, f"pages without the production Content-Security-Policy: {unprotected}"


_screenshots: list[Path] = []  # this session's directory, once the fixture below has chosen it


@pytest.fixture(scope="session", autouse=True)
def screenshots(tmp_path_factory) -> Path:
    chosen = os.environ.get("MMIP_SCREENSHOTS")
    directory = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots", numbered=False)
    directory.mkdir(parents=True, exist_ok=True)
    _screenshots[:] = [directory]
    return directory


def shot(page, name: str) -> Path:
    path = _screenshots[0] / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def pytest_terminal_summary(terminalreporter):
    if _screenshots and any(_screenshots[0].glob("*.png")):
        terminalreporter.write_line(f"Screenshots of the browser tests: {_screenshots[0]}")


def axe_violations(page) -> list[dict]:
    # Evaluated through the DevTools protocol, which the page's policy does not govern (a <script> tag
    # would be refused: the policy allows only the app's own scripts).
    page.evaluate(AXE.read_text())
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return result["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        lines += [f"    {node['target']}: {node['failureSummary'][:200]}" for node in v["nodes"][:5]]
    return "\n".join(lines)
