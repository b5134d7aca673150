"""Every page of the special programs, for every persona, on a program led by their own unit and
one led by another's.

One row per URL pattern of rectify/campaigns/programs/urls.py (a guard fails when a pattern has
none): every member of the campaign reads programs and the roadmap, whatever unit leads them
(what they list is cut down by the ledger's scoping: test_program_pages.py); only the office sets
them up, everyone else in the campaign is refused (403); outsiders get 404 and anonymous
visitors are sent to log in.
"""

from dataclasses import dataclass

import pytest
from django.urls import URLPattern, reverse

import rectify.campaigns.programs.urls
from rectify.campaigns.programs import services

pytestmark = pytest.mark.usefixtures("pinned_today")

PERSONAS = ["office", "liaison", "liaison2", "leader", "supervisor", "viewer", "group", "outsider"]
OFFICE = {"office"}
EVERYONE = {"office", "leader", "supervisor", "viewer", "group", "liaison", "liaison2"}


@dataclass(frozen=True)
class Page:
    name: str
    args: str  # campaign or program
    allowed: frozenset
    method: str = "get"
    visible: frozenset = frozenset()


def page(name, args, allowed, method="get", visible=()):
    return Page(name, args, frozenset(allowed), method, frozenset(visible))


PAGES = [
    page("program-list", "campaign", EVERYONE),
    page("program-create", "campaign", OFFICE, visible=EVERYONE),
    page("roadmap", "campaign", EVERYONE),
    page("program-detail", "program", EVERYONE),
    page("program-edit", "program", OFFICE, visible=EVERYONE),
    page("program-delete", "program", OFFICE, "post", visible=EVERYONE),
    page("program-add", "program", OFFICE, visible=EVERYONE),
    page("program-remove", "program", OFFICE, "post", visible=EVERYONE),
    page("program-weight", "program", OFFICE, "post", visible=EVERYONE),
]


def test_every_page_of_the_programs_is_in_the_matrix():
    names = {
        p.name for p in rectify.campaigns.programs.urls.urlpatterns if isinstance(p, URLPattern)
    }
    assert names == {p.name for p in PAGES}


@pytest.fixture
def programs(world):
    """A program led by bureau_a (the liaison's own unit) and one led by bureau_b, each with a
    measure of its unit."""
    out = {}
    for side, unit, measure in (
        ("own", world.bureau_a, world.measure_a),
        ("other", world.bureau_b, world.measure_b),
    ):
        program = services.create_program(
            world.campaign, actor=world.office, name=f"{side} 专项", lead_unit=unit
        )
        services.add_problems(program, [world.problem], actor=world.office, measures=[measure])
        out[side] = (program, measure)
    return out


def url_of(p: Page, world, programs, side) -> str:
    program, _ = programs[side]
    args = [world.campaign.slug] if p.args == "campaign" else [program.pk]
    return reverse(p.name, args=args)


def data_of(p: Page, programs, side) -> dict:
    _, measure = programs[side]
    return {"program-weight": {"measure": measure.pk, "weight": "2"}}.get(
        p.name, {"measure": measure.pk} if p.name == "program-remove" else {}
    )


def expected(p: Page, who: str) -> set[int]:
    if who in p.allowed:
        return {200} if p.method == "get" else {200, 204, 302, 303, 400, 409}
    if who in p.visible:
        return {403}
    return {404}


CASES = [
    (p, who, side)
    for p in PAGES
    for who in PERSONAS
    for side in (("own", "other") if p.args == "program" else ("own",))
]


@pytest.mark.parametrize(
    "p,who,side", CASES, ids=[f"{p.name}-{who}-{side}" for p, who, side in CASES]
)
def test_the_matrix(client, world, programs, p, who, side):
    client.force_login(world.personas[who])
    url = url_of(p, world, programs, side)
    if p.method == "get":
        response = client.get(url)
    else:
        response = client.post(url, data_of(p, programs, side))
    assert response.status_code in expected(p, who), (p.name, who, side, url)


@pytest.mark.parametrize("p", PAGES, ids=[p.name for p in PAGES])
def test_anonymous_visitors_are_sent_to_log_in(client, world, programs, p):
    response = getattr(client, p.method)(url_of(p, world, programs, "own"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
