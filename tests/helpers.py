"""Small helpers for page tests: read what a page shows without depending on UI labels."""

import re
from html.parser import HTMLParser

from django.contrib.messages import get_messages

from tests.factories import PASSWORD


class _Finder(HTMLParser):
    """Collects the text inside each element that carries data-testid."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.found: dict[str, list[str]] = {}
        self.attrs: dict[str, list[dict]] = {}
        self.open: list[list] = []

    VOID = {"br", "img", "input", "meta", "link", "hr", "source", "wbr", "area", "col"}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        testid = attrs.get("data-testid")
        if testid:
            self.attrs.setdefault(testid, []).append(attrs)
            self.found.setdefault(testid, []).append("")
        if tag in self.VOID:
            return
        self.stack.append((tag, testid))

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        for _, testid in self.stack:
            if testid:
                self.found[testid][-1] += data


def parse(response):
    finder = _Finder()
    finder.feed(response.content.decode())
    return finder


def texts(response, testid: str) -> list[str]:
    """Whitespace-normalised text of every element with this data-testid."""
    return [" ".join(t.split()) for t in parse(response).found.get(testid, [])]


def attrs(response, testid: str) -> list[dict]:
    return parse(response).attrs.get(testid, [])


def figure(response, testid: str) -> str:
    """The number shown on one figure card (e.g. "12,345" or "17 / 20")."""
    html = response.content.decode()
    match = re.search(
        rf'data-testid="{re.escape(testid)}".*?class="figure-value"[^>]*>(.*?)</div>', html, re.S
    )
    assert match, f"no figure card {testid}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def messages_of(response) -> list[str]:
    """Django messages shown on the page (or still waiting, if the page did not show them)."""
    shown = texts(response, "message")
    return shown or [str(m) for m in get_messages(response.wsgi_request)]


def row_numbers(response) -> list[int]:
    return [int(a["data-number"]) for a in attrs(response, "problem-row")]


def log_in(page, base, username):
    """Sign in through the login form in a real browser (Playwright page)."""
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_load_state()
