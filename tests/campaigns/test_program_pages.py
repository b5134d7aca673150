"""The special programs' pages end to end: the office sets a program up with its phases, picks
problems and their measures, weighs and takes them out; every member reads the list grouped as
“1+5+5+2”, the program page and the roadmap, each seeing only the measures they may see."""

import datetime as dt
import json
import re

import pytest
from django.urls import reverse

from rectify.audit.log import history
from rectify.campaigns.models import Program, ProgramWeight
from rectify.campaigns.programs import services
from rectify.ledger import services as ledger
from tests.helpers import attrs, texts

pytestmark = pytest.mark.usefixtures("pinned_today")


def form_data(**overrides):
    data = {
        "name": "基层减负专项整治",
        "group_label": "2",
        "lead_unit": "",
        "leader": "分管副部长",
        "starts_on": "2026-09-01",
        "ends_on": "2027-06-30",
        "description": "",
        "roadmap": "三个阶段",
        "phase-TOTAL_FORMS": "2",
        "phase-INITIAL_FORMS": "0",
        "phase-MIN_NUM_FORMS": "0",
        "phase-MAX_NUM_FORMS": "30",
        "phase-0-name": "摸底排查",
        "phase-0-starts_on": "2026-09-01",
        "phase-0-ends_on": "2026-10-31",
        "phase-1-name": "集中整治",
        "phase-1-starts_on": "2026-11-01",
        "phase-1-ends_on": "2027-03-31",
    }
    data.update(overrides)
    return data


@pytest.fixture
def program(world):
    program = services.create_program(
        world.campaign, actor=world.office, name="基层减负专项整治", group_label="2"
    )
    services.add_problems(
        program, [world.problem], actor=world.office, measures=[world.measure_a, world.measure_b]
    )
    return program


@pytest.mark.django_db
def test_the_office_sets_up_a_program_with_its_phases(client, world):
    client.force_login(world.office)
    url = reverse("program-create", args=[world.campaign.slug])
    response = client.post(url, form_data(lead_unit=str(world.bureau_a.pk)))
    program = Program.objects.get(campaign=world.campaign)
    assert response.status_code == 302
    assert response["Location"] == reverse("program-detail", args=[program.pk])
    assert (program.leader, program.lead_unit, program.group_label) == (
        "分管副部长",
        world.bureau_a,
        "2",
    )
    assert [(p.name, p.order) for p in program.phases.all()] == [("摸底排查", 0), ("集中整治", 1)]
    assert [e.action for e in history(program)][::-1] == [
        "program.create",
        "program.phase_add",
        "program.phase_add",
    ]
    page = client.get(reverse("program-detail", args=[program.pk]))
    assert len(texts(page, "current-phase")) == 1  # 2026-11-16 falls in 集中整治


@pytest.mark.django_db
def test_editing_changes_deletes_and_adds_phases(client, world):
    client.force_login(world.office)
    client.post(reverse("program-create", args=[world.campaign.slug]), form_data())
    program = Program.objects.get()
    first, second = program.phases.all()
    data = form_data(
        **{
            "phase-TOTAL_FORMS": "3",
            "phase-INITIAL_FORMS": "2",
            "phase-0-id": str(first.pk),
            "phase-0-name": "调查摸底",
            "phase-1-id": str(second.pk),
            "phase-1-DELETE": "on",
            "phase-2-name": "建章立制",
            "phase-2-starts_on": "2027-04-01",
            "phase-2-ends_on": "2027-06-30",
        }
    )
    response = client.post(reverse("program-edit", args=[program.pk]), data)
    assert response.status_code == 302
    assert [p.name for p in program.phases.all()] == ["调查摸底", "建章立制"]
    actions = [e.action for e in history(program)]
    assert actions[:3] == ["program.phase_add", "program.phase_delete", "program.phase_update"]


@pytest.mark.django_db
def test_a_phase_of_another_program_cannot_be_edited_through_this_one(client, world):
    client.force_login(world.office)
    other = services.create_program(world.campaign, actor=world.office, name="别的专项")
    foreign = services.add_phase(
        other,
        actor=world.office,
        name="别人的阶段",
        starts_on=dt.date(2026, 9, 1),
        ends_on=dt.date(2026, 9, 30),
    )
    program = services.create_program(world.campaign, actor=world.office, name="本专项")
    data = form_data(
        **{"phase-TOTAL_FORMS": "1", "phase-0-id": str(foreign.pk), "phase-0-name": "篡改"}
    )
    response = client.post(reverse("program-edit", args=[program.pk]), data)
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.name == "别人的阶段"


@pytest.mark.django_db
def test_dates_the_wrong_way_round_are_refused_with_the_field_named(client, world):
    client.force_login(world.office)
    data = form_data(ends_on="2026-08-01", **{"phase-0-ends_on": "2026-08-01"})
    response = client.post(reverse("program-create", args=[world.campaign.slug]), data)
    assert response.status_code == 400
    assert texts(response, "error-ends_on")
    assert texts(response, "error-phase-ends_on")
    assert not Program.objects.exists()


@pytest.mark.django_db
def test_the_picker_finds_problems_and_offers_their_measures(client, world):
    client.force_login(world.office)
    program = services.create_program(world.campaign, actor=world.office, name="专项")
    url = reverse("program-add", args=[program.pk])
    response = client.get(url, {"q": "救助"})
    assert [a["data-number"] for a in attrs(response, "picker-problem")] == [
        str(world.problem_b_only.number)
    ]
    assert [a["value"] for a in attrs(response, "picker-measure")] == [str(world.measure_b2.pk)]
    fragment = client.get(url, {"q": str(world.problem.number)}, headers={"HX-Request": "true"})
    assert b"<html" not in fragment.content and len(attrs(fragment, "picker-problem")) == 1
    response = client.post(
        url, {"problem": [world.problem.number], "measure": [world.measure_a.pk]}
    )
    assert response.status_code == 302
    assert list(program.problems.all()) == [world.problem]
    assert list(program.measures.all()) == [world.measure_a]


@pytest.mark.django_db
def test_the_program_page_lists_problems_and_measures_with_their_lights(client, world, program):
    late = ledger.create_measure(
        world.problem,
        actor=world.office,
        content="逾期措施",
        responsible_unit=world.bureau_a,
        deadline=dt.date(2026, 11, 2),
    )
    services.add_measures(program, [late], actor=world.office)
    client.force_login(world.office)
    response = client.get(reverse("program-detail", args=[program.pk]))
    assert [a["data-number"] for a in attrs(response, "program-problem")] == [
        str(world.problem.number)
    ]
    lights = {int(a["data-pk"]): a["data-light"] for a in attrs(response, "program-measure")}
    assert lights == {world.measure_a.pk: "green", world.measure_b.pk: "green", late.pk: "red"}
    assert attrs(response, "progress")[0]["data-value"] == "0"


@pytest.mark.django_db
def test_a_liaison_reads_only_their_units_part(client, world, program):
    client.force_login(world.liaison)
    response = client.get(reverse("program-detail", args=[program.pk]))
    assert [int(a["data-pk"]) for a in attrs(response, "program-measure")] == [world.measure_a.pk]
    assert not attrs(response, "edit-program") and not attrs(response, "remove-measure")
    roadmap = client.get(reverse("roadmap", args=[world.campaign.slug]))
    data = json.loads(
        re.search(
            r'<script id="roadmap-data" type="application/json">(.*?)</script>',
            roadmap.content.decode(),
            re.S,
        ).group(1)
    )
    assert [m["id"] for m in data["programs"][0]["measures"]] == [world.measure_a.pk]
    assert [int(a["data-pk"]) for a in attrs(roadmap, "roadmap-row")] == [world.measure_a.pk]


@pytest.mark.django_db
def test_weights_and_taking_out(client, world, program):
    client.force_login(world.office)
    detail = reverse("program-detail", args=[program.pk])
    weight = reverse("program-weight", args=[program.pk])
    assert client.post(weight, {"measure": world.measure_a.pk, "weight": "3"})["Location"] == detail
    assert ProgramWeight.objects.get().weight == 3
    client.post(weight, {"measure": world.measure_a.pk, "weight": "300"})
    assert ProgramWeight.objects.get().weight == 3  # refused: 1–100
    client.post(weight, {"measure": world.measure_a.pk, "weight": ""})
    assert not ProgramWeight.objects.exists()
    remove = reverse("program-remove", args=[program.pk])
    client.post(remove, {"measure": world.measure_b.pk})
    assert list(program.measures.all()) == [world.measure_a]
    client.post(remove, {"problem": world.problem.number, "with_measures": "1"})
    assert not program.problems.exists() and not program.measures.exists()


@pytest.mark.django_db
def test_deleting_a_program(client, world, program):
    client.force_login(world.office)
    response = client.post(reverse("program-delete", args=[program.pk]))
    assert response["Location"] == reverse("program-list", args=[world.campaign.slug])
    assert not Program.objects.exists()


@pytest.mark.django_db
def test_the_list_reads_one_five_five_two_as_groups(client, world):
    for label, name in [("1", "总体方案"), ("5", "低保"), ("5", "养老"), ("2", "减负")]:
        services.create_program(world.campaign, actor=world.office, name=name, group_label=label)
    client.force_login(world.viewer)
    response = client.get(reverse("program-list", args=[world.campaign.slug]))
    assert [a["data-group"] for a in attrs(response, "program-group")] == ["1", "5", "2"]
    assert len(attrs(response, "program-row")) == 4
    assert not attrs(response, "new-program")


@pytest.mark.django_db
def test_the_roadmap_marks_late_items_and_the_campaign_links_to_it(client, world, program):
    late = ledger.create_measure(
        world.problem,
        actor=world.office,
        content="逾期措施",
        responsible_unit=world.bureau_a,
        deadline=dt.date(2026, 11, 2),
    )
    services.add_measures(program, [late], actor=world.office)
    client.force_login(world.liaison)
    response = client.get(reverse("roadmap", args=[world.campaign.slug]))
    rows = {int(a["data-pk"]): a["data-late"] for a in attrs(response, "roadmap-row")}
    assert rows == {world.measure_a.pk: "0", late.pk: "1"}
    assert texts(response, "late-count")
    assert b"vendor/echarts-6.1.0/echarts.min.js" in response.content
    home = client.get(reverse("campaign-home", args=[world.campaign.slug]))
    assert attrs(home, "campaign-roadmap-link") and attrs(home, "nav-programs")
