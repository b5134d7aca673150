"""Text that users typed is shown as text: markup is escaped, bidi controls are isolated."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from rectify.campaigns.models import Indicator
from rectify.feedback.choices import Channel, FeedbackKind
from rectify.feedback.models import FeedbackItem
from rectify.ledger import services
from rectify.ledger.choices import Source
from rectify.orgs.access import SYSTEM
from tests.factories import add_evidence

pytestmark = pytest.mark.usefixtures("pinned_today")

SCRIPT = "<script>alert(1)</script>"
RLO = "\u202e"
HOSTILE = f"{SCRIPT}{RLO}gnp.exe 危险文本"


@pytest.fixture
def hostile(world):
    problem = services.create_problem(
        world.campaign,
        actor=world.office,
        title=HOSTILE,
        description=HOSTILE,
        source=Source.GRASSROOTS,
    )
    item = FeedbackItem.objects.create(
        campaign=world.campaign,
        kind=FeedbackKind.PROBLEM,
        title=HOSTILE,
        text=HOSTILE,
        channel=Channel.PUBLIC_PAGE,
    )
    services.merge_feedback(problem, [item], actor=world.office, reason=HOSTILE)
    measure = services.create_measure(
        problem,
        actor=world.office,
        content=HOSTILE,
        responsible_unit=world.bureau_a,
        responsible_person=SCRIPT[:50],
        deadline=dt.date(2026, 12, 31),
    )
    services.add_milestone(measure, actor=world.office, title=HOSTILE, due_on=dt.date(2026, 12, 1))
    measure = services.start(measure, actor=world.office)
    services.add_progress_report(measure, actor=world.office, text=HOSTILE, percent_done=10)
    add_evidence(measure, world.office, name=HOSTILE)
    measure = services.request_closure(measure, actor=SYSTEM, reason="整改完成")
    measure = services.return_measure(measure, actor=world.office, reason=HOSTILE)
    Indicator.objects.create(
        campaign=world.campaign, name=HOSTILE, value=Decimal(1), as_of=dt.date(2026, 1, 1)
    )
    world.hostile_problem, world.hostile_measure = problem, measure
    return world


def assert_safe(html: str):
    assert SCRIPT not in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # every bidi override sits inside an element that isolates user text (or a form control,
    # which keeps the text as it is for editing and cannot reorder the page around it)
    for match in re.finditer(RLO, html):
        opener = html.rfind("<", 0, match.start())
        tag = html[opener : html.find(">", opener) + 1]
        assert "user-text" in tag or tag.startswith(("<bdi", "<textarea", "<input")), tag


@pytest.mark.django_db
def test_hostile_text_is_escaped_on_every_page(client, hostile):
    client.force_login(hostile.office)
    number = hostile.hostile_problem.number
    pages = [
        reverse("campaign-home", args=["world"]),
        reverse("problem-list", args=["world"]),
        reverse("problem-detail", args=["world", number]),
        reverse("measure-detail", args=[hostile.hostile_measure.pk]),
        reverse("measure-edit", args=[hostile.hostile_measure.pk]),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert_safe(response.content.decode())
    response = client.get(pages[1], headers={"HX-Request": "true"})
    assert_safe(response.content.decode())


@pytest.mark.django_db
def test_hostile_search_text_is_escaped(client, hostile):
    client.force_login(hostile.office)
    response = client.get(reverse("problem-list", args=["world"]), {"q": SCRIPT})
    html = response.content.decode()
    assert SCRIPT not in html
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in html
