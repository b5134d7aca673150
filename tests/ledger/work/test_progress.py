"""A progress report with several evidence files: plain POST, htmx from the measure page and from
my tasks, validation, a refused file that leaves nothing behind, and who may."""

import datetime as dt

import pytest
from django.urls import reverse

from rectify.core.errors import DomainError
from rectify.ledger import services
from rectify.ledger.models import Evidence, ProgressReport
from tests.helpers import attrs, messages_of, texts

from .conftest import PNG, png, started, text_file

pytestmark = pytest.mark.usefixtures("pinned_today")
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(measure):
    return reverse("measure-progress", args=[measure.pk])


def data(**over):
    values = {"reported_on": "2026-11-16", "text": "已完成排查", "percent_done": "60"}
    values.update(over)
    return values


@pytest.fixture
def measure(world):
    return started(world.measure_a, world.liaison)


@pytest.mark.django_db
def test_a_report_with_two_files_by_a_plain_post(client, world, measure):
    client.force_login(world.liaison)
    response = client.post(url(measure), {**data(), "files": [png(), text_file()]})
    assert response.status_code == 302
    assert response["Location"] == reverse("measure-detail", args=[measure.pk])
    report = ProgressReport.objects.get(measure=measure)
    assert (report.text, report.percent_done, report.reported_on) == (
        "已完成排查",
        60,
        dt.date(2026, 11, 16),
    )
    assert report.reported_by == world.liaison
    files = {e.original_name: e for e in Evidence.objects.filter(report=report)}
    assert set(files) == {"现场照片.png", "整改报告.txt"}
    assert files["现场照片.png"].file.read() == PNG
    assert files["现场照片.png"].uploaded_by == world.liaison
    page = client.get(response["Location"])
    assert messages_of(page)
    assert sorted(texts(page, "report-file")) == sorted(["现场照片.png", "整改报告.txt"])


@pytest.mark.django_db
def test_a_report_without_files_and_back_to_my_tasks(client, world, measure):
    client.force_login(world.liaison)
    tasks = reverse("my-tasks", args=[world.campaign.slug])
    response = client.post(url(measure), {**data(), "next": tasks}, follow=True)
    assert response.redirect_chain[-1][0] == tasks
    assert ProgressReport.objects.filter(measure=measure).count() == 1
    assert not Evidence.objects.filter(measure=measure).exists()
    assert any("60%" in m for m in messages_of(response))
    # a foreign next is not followed
    response = client.post(url(measure), {**data(), "next": "https://example.com/"})
    assert response["Location"] == reverse("measure-detail", args=[measure.pk])


@pytest.mark.django_db
def test_htmx_on_the_measure_page_answers_with_the_reports_and_the_evidence(client, world, measure):
    client.force_login(world.liaison)
    page = client.get(reverse("measure-detail", args=[measure.pk]))
    form = attrs(page, "progress-form")[0]
    assert form["hx-post"] == url(measure)
    assert form["hx-encoding"] == "multipart/form-data"
    assert form["hx-target"] == "#measure-reports"
    assert form["enctype"] == "multipart/form-data"  # and without JavaScript a plain POST

    response = client.post(
        url(measure), {**data(), "files": [png("a.png"), text_file("b.txt")]}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # a fragment, not the page
    assert html.lstrip().startswith('<section id="measure-reports"')
    assert texts(response, "progress-report")[0].count("已完成排查") == 1
    assert sorted(texts(response, "report-file")) == ["a.png", "b.txt"]
    assert [a["data-level"] for a in attrs(response, "message")] == ["success"]
    assert "2" in texts(response, "message")[0]
    # the evidence list and the closure request (2 fresh files now) come along out of band
    assert 'id="measure-evidence" hx-swap-oob="true"' in html
    closure = attrs(response, "closure-request")[0]
    assert closure["hx-swap-oob"] == "true"
    assert attrs(response, "fresh-evidence")[0]["data-count"] == "2"
    # a fresh, empty form is in the answer
    assert attrs(response, "progress-form")
    assert 'name="text"' in html and "已完成排查</textarea>" not in html


@pytest.mark.django_db
def test_htmx_from_my_tasks_answers_with_the_task(client, world, measure):
    client.force_login(world.liaison)
    form = client.get(url(measure) + "?from=tasks", **HTMX)
    assert form.status_code == 200
    assert "<html" not in form.content.decode()
    assert attrs(form, "progress-form")[0]["hx-target"] == f"#task-{measure.pk}"
    assert attrs(form, "progress-form")[0]["hx-post"] == url(measure)

    response = client.post(
        url(measure), {**data(percent_done="80"), "from": "tasks", "files": [png()]}, **HTMX
    )
    assert response.status_code == 200
    task = attrs(response, "task")[0]
    assert task["id"] == f"task-{measure.pk}" and task["data-group"] == "under_way"
    assert texts(response, "task-percent") == ["80%"]
    assert [a["data-level"] for a in attrs(response, "message")] == ["success"]
    assert not attrs(response, "progress-form")  # closed again


@pytest.mark.django_db
def test_without_javascript_the_form_has_a_page_of_its_own(client, world, measure):
    client.force_login(world.liaison)
    response = client.get(url(measure) + "?next=/c/world/my-tasks/")
    assert response.status_code == 200
    assert "<html" in response.content.decode()
    form = attrs(response, "progress-form")[0]
    assert "hx-post" not in form
    assert form["action"] == url(measure)
    assert 'name="next" value="/c/world/my-tasks/"' in response.content.decode()
    assert 'value="2026-11-16"' in response.content.decode()  # today by default
    assert 'max="2026-11-16"' in response.content.decode()


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"text": "   "}, "text"),
        ({"percent_done": "101"}, "percent_done"),
        ({"percent_done": "-1"}, "percent_done"),
        ({"percent_done": ""}, "percent_done"),
        ({"reported_on": "2026-11-17"}, "reported_on"),  # the future
        ({"reported_on": "2026-01-31"}, "reported_on"),  # before the campaign started
        ({"reported_on": "yesterday"}, "reported_on"),
    ],
)
@pytest.mark.django_db
def test_what_the_form_refuses(client, world, measure, over, field):
    world.campaign.starts_on = dt.date(2026, 2, 1)
    world.campaign.save()
    client.force_login(world.liaison)
    response = client.post(url(measure), {**data(**over), "files": [png()]})
    assert response.status_code == 400
    assert texts(response, f"error-{field}")
    assert not ProgressReport.objects.filter(measure=measure).exists()
    assert not Evidence.objects.filter(measure=measure).exists()
    # by htmx: the errors in place, status 200 so htmx swaps them in
    response = client.post(url(measure), {**data(**over)}, **HTMX)
    assert response.status_code == 200
    assert texts(response, f"error-{field}")
    assert 'id="measure-reports"' in response.content.decode()
    assert not ProgressReport.objects.filter(measure=measure).exists()


@pytest.mark.django_db
def test_an_empty_file_is_refused_by_name(client, world, measure):
    client.force_login(world.liaison)
    empty = text_file("空白.txt", b"")
    response = client.post(url(measure), {**data(), "files": [png(), empty]})
    assert response.status_code == 400
    assert "空白.txt" in texts(response, "error-files")[0]
    assert not ProgressReport.objects.exists()


@pytest.mark.django_db
def test_a_refused_file_leaves_nothing_half_saved(client, world, measure, monkeypatch):
    real = services.add_evidence

    def checking(measure, *, name, **kw):
        if name.endswith(".exe.pdf"):
            raise DomainError("这是可执行文件。", code="file_type")
        return real(measure, name=name, **kw)

    monkeypatch.setattr(services, "add_evidence", checking)
    client.force_login(world.liaison)
    bad = text_file("报告.exe.pdf", b"MZ\x90\x00")
    response = client.post(url(measure), {**data(), "files": [png(), bad]})
    assert response.status_code == 400
    error = texts(response, "error-files")[0]
    assert "报告.exe.pdf" in error and "这是可执行文件。" in error
    assert not ProgressReport.objects.filter(measure=measure).exists()
    assert not Evidence.objects.filter(measure=measure).exists()
    # the same by htmx, answered in place
    response = client.post(url(measure), {**data(), "files": [png(), bad]}, **HTMX)
    assert response.status_code == 200
    assert "报告.exe.pdf" in texts(response, "error-files")[0]
    assert not ProgressReport.objects.exists() and not Evidence.objects.exists()


@pytest.mark.django_db
def test_a_draft_or_closed_measure_takes_no_report(client, world):
    client.force_login(world.liaison)
    response = client.post(url(world.measure_a), data())
    assert response.status_code == 403
    assert texts(response, "form-error")
    assert not ProgressReport.objects.exists()
    page = client.get(reverse("measure-detail", args=[world.measure_a.pk]))
    assert not attrs(page, "progress-form")  # no form offered on a draft


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("liaison", 200),
        ("office", 200),
        ("liaison2", 404),  # another unit's liaison does not see the measure
        ("outsider", 404),
        ("viewer", 403),  # sees it, may not change it
        ("leader", 403),
        ("supervisor", 403),
        ("group", 403),
    ],
)
@pytest.mark.django_db
def test_who_may_report(client, world, measure, persona, status):
    client.force_login(world.personas[persona])
    assert client.get(url(measure)).status_code == status
    assert client.get(url(measure), **HTMX).status_code == status
    response = client.post(url(measure), {**data(), "files": [png()]})
    assert response.status_code == (302 if status == 200 else status)
    assert ProgressReport.objects.filter(measure=measure).exists() == (status == 200)


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_log_in(client, world, measure):
    response = client.post(url(measure), data())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.get(reverse("measure-progress", args=[999999])).status_code == 302


@pytest.mark.django_db
def test_a_missing_measure_is_404(client, world):
    client.force_login(world.office)
    assert client.get(reverse("measure-progress", args=[999999])).status_code == 404
