"""The police and crime commissioner's response: due dates, the service's rules, the form,
the report and item pages, the dashboards, the list filter, the CSV and the reminders."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from forces.models import Force
from recommendations import errors, reminders
from recommendations.models import InspectionReport
from responses import services
from responses.models import (
    PccResponse,
    ResponseAnswer,
    ResponseReminder,
    ResponseReminderDelivery,
    due_date,
)
from responses.selectors import state_of
from responses.views import CSV_HEADER
from tests.factories import FindingFactory, ReportFactory, make_item

TODAY = dt.date(2025, 6, 2)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime.combine(TODAY, dt.time(9, 0)), tick=False):
        yield


def report_of(kind="force", published=TODAY - dt.timedelta(days=70), **kwargs):
    return ReportFactory(
        kind=kind, published=published, response_required=kind == "force", **kwargs
    )


def issued(report, forces=("gloucestershire",), findings=2):
    """Issue `findings` recommendations of the report to each force; items by force."""
    made = [FindingFactory(report=report) for _ in range(findings)]
    return {f: [make_item(force=f, finding=finding) for finding in made] for f in forces}


def record(report, force, by, items, answer="accepted", **kwargs):
    return services.response_record(
        report=report,
        force=Force.objects.get(slug=force),
        by=by,
        received=kwargs.pop("received", TODAY - dt.timedelta(days=3)),
        url=kwargs.pop("url", "https://www.pcc.example.org/response.pdf"),
        answers=kwargs.pop("answers", {i.pk: answer for i in items}),
    )


# Due dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "published,due",
    [
        (dt.date(2024, 1, 5), dt.date(2024, 3, 1)),  # a leap year: 29 February counts
        (dt.date(2023, 1, 5), dt.date(2023, 3, 2)),  # not a leap year
        (dt.date(2100, 1, 4), dt.date(2100, 3, 1)),  # 2100 is not a leap year
        (dt.date(2024, 2, 29), dt.date(2024, 4, 25)),  # from the leap day itself
        (dt.date(2024, 12, 31), dt.date(2025, 2, 25)),  # across the year's end
        (dt.date(2023, 11, 30), dt.date(2024, 1, 25)),  # month ends into a new year
        (dt.date(2017, 3, 2), dt.date(2017, 4, 27)),
    ],
)
def test_the_response_is_due_56_days_after_publication(published, due):
    assert due_date(published) == due
    assert state_of(published, None, on=due) == "due"  # the last day is still on time
    assert state_of(published, None, on=due + dt.timedelta(days=1)) == "overdue"
    assert state_of(published, due + dt.timedelta(days=9), on=due + dt.timedelta(days=9)) == (
        "received"
    )


# The service ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_officer_records_the_response_with_an_answer_per_recommendation(people):
    report = report_of()
    items = issued(report)["gloucestershire"]
    answers = {items[0].pk: "accepted", items[1].pk: "partly-accepted"}
    response = record(report, "gloucestershire", people["liaison-officer"], items, answers=answers)
    assert response.received == TODAY - dt.timedelta(days=3)
    assert dict(response.answers.values_list("item_id", "answer")) == answers
    assert response.history.get().history_change_reason == "Recorded"
    assert response.history.get().history_user == people["liaison-officer"]
    assert ResponseAnswer.history.count() == 2


@pytest.mark.django_db
def test_a_correction_keeps_the_history_of_what_was_said(people):
    report = report_of()
    items = issued(report)["gloucestershire"]
    record(report, "gloucestershire", people["liaison-lead"], items, answer="accepted")
    record(report, "gloucestershire", people["liaison-lead"], items, answer="not-accepted")
    response = PccResponse.objects.get()
    assert set(response.answers.values_list("answer", flat=True)) == {"not-accepted"}
    assert [h.history_change_reason for h in response.history.order_by("history_date")] == [
        "Recorded",
        "Corrected",
    ]
    assert ResponseAnswer.history.filter(answer="accepted").count() == 2
    assert ResponseAnswer.history.filter(answer="not-accepted").count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["chief-of-staff", "inspector"])
def test_chiefs_of_staff_and_inspectors_see_but_do_not_record(people, role):
    report = report_of()
    items = issued(report)["gloucestershire"]
    with pytest.raises(errors.NotPermitted):
        record(report, "gloucestershire", people[role], items)
    assert not PccResponse.objects.exists()


@pytest.mark.django_db
def test_an_officer_cannot_record_another_forces_response(people):
    report = report_of(kind="national")
    report.response_required = True
    report.save()
    items = issued(report, forces=("gloucestershire", "west-midlands"))
    with pytest.raises(errors.NotPermitted):
        record(report, "west-midlands", people["liaison-officer"], items["west-midlands"])
    record(report, "west-midlands", people["admin"], items["west-midlands"])
    assert PccResponse.objects.get().force.slug == "west-midlands"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change,field,message",
    [
        ({"received": TODAY + dt.timedelta(days=1)}, "received", "today or in the past"),
        ({"received": dt.date(2020, 1, 1)}, "received", "on or after the report's publication"),
        ({"url": "http://www.pcc.example.org/r.pdf"}, "url", "starting with https://"),
        ({"url": "javascript:alert(1)"}, "url", "starting with https://"),
        ({"url": "https://"}, "url", "starting with https://"),
    ],
)
def test_bad_input_is_refused_naming_the_field(people, change, field, message):
    report = report_of()
    items = issued(report)["gloucestershire"]
    with pytest.raises(errors.DomainError) as refused:
        record(report, "gloucestershire", people["liaison-officer"], items, **change)
    assert refused.value.field == field
    assert message in refused.value.message
    assert refused.value.http_status == 400
    assert not PccResponse.objects.exists()


@pytest.mark.django_db
def test_every_recommendation_needs_a_known_answer(people):
    report = report_of()
    items = issued(report)["gloucestershire"]
    officer = people["liaison-officer"]
    for answers in ({items[0].pk: "accepted"}, {i.pk: "maybe" for i in items}):
        with pytest.raises(errors.DomainError) as refused:
            record(report, "gloucestershire", officer, items, answers=answers)
        assert refused.value.field in {f"answer_{i.pk}" for i in items}
        assert "Select what the response says about Recommendation" in refused.value.message
    other = make_item(force="gloucestershire")  # of another report
    with pytest.raises(errors.DomainError, match="not one of Gloucestershire Constabulary"):
        record(
            report,
            "gloucestershire",
            officer,
            items,
            answers={**{i.pk: "accepted" for i in items}, other.pk: "accepted"},
        )
    assert not PccResponse.objects.exists()


@pytest.mark.django_db
def test_a_report_that_needs_no_response_refuses_one(people):
    report = report_of(kind="thematic")
    items = issued(report)["gloucestershire"]
    with pytest.raises(services.NoResponseNeeded) as refused:
        record(report, "gloucestershire", people["admin"], items)
    assert refused.value.http_status == 409


@pytest.mark.django_db
def test_the_database_keeps_force_reports_needing_a_response_and_links_https(people):
    report = report_of()
    assert ReportFactory(kind="force", response_required=False).response_required  # save()
    with pytest.raises(IntegrityError), transaction.atomic():
        InspectionReport.objects.filter(pk=report.pk).update(response_required=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        PccResponse.objects.create(
            report=report,
            force=Force.objects.get(slug="gloucestershire"),
            received=TODAY,
            url="http://insecure.example.org/",
        )


@pytest.mark.django_db
def test_publishing_a_force_report_always_needs_a_response(people):
    from recommendations import services as rec_services

    force = rec_services.report_publish(
        by=people["admin"], title="F", slug="f", published=TODAY, kind="force"
    )
    national = rec_services.report_publish(
        by=people["admin"], title="N", slug="n", published=TODAY, kind="national"
    )
    flagged = rec_services.report_publish(
        by=people["admin"],
        title="T",
        slug="t",
        published=TODAY,
        kind="thematic",
        response_required=True,
    )
    assert (force.response_required, national.response_required, flagged.response_required) == (
        True,
        False,
        True,
    )


# The pages --------------------------------------------------------------------------------


def form_data(items, **extra):
    data = {
        "received_0": "30",
        "received_1": "5",
        "received_2": "2025",
        "url": "https://www.pcc.example.org/response.pdf",
    }
    data |= {f"answer_{i.pk}": "not-addressed" for i in items}
    return data | extra


@pytest.mark.django_db
def test_the_form_records_the_response_and_the_report_page_shows_it(
    client_as, django_assert_max_num_queries
):
    report = report_of(title="PEEL 2025 – Gloucestershire")
    items = issued(report)["gloucestershire"]
    client = client_as("liaison-officer")
    url = reverse("responses:record", args=[report.slug, "gloucestershire"])
    with django_assert_max_num_queries(20):
        page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "What does the response say about Recommendation" in text
    assert "Overdue" in text
    response = client.post(url, form_data(items))
    assert response.status_code == 302
    assert PccResponse.objects.get().received == dt.date(2025, 5, 30)
    with django_assert_max_num_queries(25):
        report_page = client.get(reverse("recommendations:report", args=[report.slug]))
    text = report_page.content.decode()
    assert "Received" in text and "30 May 2025" in text
    assert "https://www.pcc.example.org/response.pdf" in text
    assert reverse("responses:csv", args=[report.slug]) in text


@pytest.mark.django_db
def test_the_form_shows_each_problem_by_its_field(client_as):
    report = report_of()
    items = issued(report)["gloucestershire"]
    client = client_as("liaison-officer")
    url = reverse("responses:record", args=[report.slug, "gloucestershire"])
    data = form_data(items, url="http://x.example.org", received_1="13")
    del data[f"answer_{items[0].pk}"]
    page = client.post(url, data)
    assert page.status_code == 400
    text = page.content.decode()
    assert "The date the response was published must be a real date" in text
    assert "Select what the response says about" in text
    assert f'href="#id_answer_{items[0].pk}_0"' in text
    page = client.post(url, form_data(items, url="http://x.example.org"))
    assert page.status_code == 400
    assert "starting with https://" in page.content.decode()
    assert not PccResponse.objects.exists()


@pytest.mark.django_db
def test_the_item_page_says_the_state_and_links_to_the_form(client_as):
    report = report_of()
    items = issued(report)["gloucestershire"]
    page = client_as("liaison-officer").get(reverse("recommendations:item", args=[items[0].pk]))
    text = page.content.decode()
    assert "Police and crime commissioner&#39;s response" in text or "commissioner's" in text
    assert reverse("responses:record", args=[report.slug, "gloucestershire"]) in text
    chief_page = client_as("chief-of-staff").get(
        reverse("recommendations:item", args=[items[0].pk])
    )
    assert "Overdue" in chief_page.content.decode()
    assert reverse("responses:record", args=[report.slug, "gloucestershire"]) not in (
        chief_page.content.decode()
    )


def read_csv(response):
    return list(csv.reader(io.StringIO(b"".join([response.content]).decode())))


@pytest.mark.django_db
def test_the_csv_has_one_row_per_force_per_recommendation_in_scope(people, client_as):
    report = report_of(kind="national", title='=HYPERLINK("https://evil.example")')
    InspectionReport.objects.filter(pk=report.pk).update(response_required=True)
    report.refresh_from_db()
    items = issued(report, forces=("gloucestershire", "devon-and-cornwall", "west-midlands"))
    record(report, "gloucestershire", people["admin"], items["gloucestershire"], "accepted")
    url = reverse("responses:csv", args=[report.slug])
    rows = read_csv(client_as("inspector").get(url))
    assert rows[0] == CSV_HEADER
    assert ",".join(rows[0]) == "force,report,published,due,received,response_url,reference,answer"
    assert len(rows) == 1 + 3 * 2
    glos = [r for r in rows[1:] if r[0] == "Gloucestershire Constabulary"]
    assert glos[0][1].startswith("'=HYPERLINK")  # neutralised for spreadsheets
    assert glos[0][2:6] == [
        report.published.isoformat(),
        due_date(report.published).isoformat(),
        (TODAY - dt.timedelta(days=3)).isoformat(),
        "https://www.pcc.example.org/response.pdf",
    ]
    assert glos[0][6].startswith("Recommendation ")
    assert {r[7] for r in glos} == {"accepted"}
    wmp = [r for r in rows[1:] if r[0] == "West Midlands Police"]
    assert {(r[4], r[5], r[7]) for r in wmp} == {("", "", "")}
    officer_rows = read_csv(client_as("liaison-officer").get(url))
    assert {r[0] for r in officer_rows[1:]} == {"Gloucestershire Constabulary"}
    chief_rows = read_csv(client_as("chief-of-staff").get(url))
    assert {r[0] for r in chief_rows[1:]} == {
        "Gloucestershire Constabulary",
        "Devon and Cornwall Police",
    }


@pytest.mark.django_db
def test_the_csv_writes_the_answers_in_words(people, client_as):
    report = report_of()
    items = issued(report, findings=4)["gloucestershire"]
    answers = dict(
        zip(
            [i.pk for i in items],
            ["accepted", "partly-accepted", "not-accepted", "not-addressed"],
            strict=True,
        )
    )
    record(report, "gloucestershire", people["admin"], items, answers=answers)
    rows = read_csv(client_as("admin").get(reverse("responses:csv", args=[report.slug])))
    assert [r[7] for r in rows[1:]] == [
        "accepted",
        "partly accepted",
        "not accepted",
        "not addressed",
    ]


@pytest.mark.django_db
def test_the_list_filters_by_the_state_of_the_response(people, client_as):
    overdue_report = report_of(published=TODAY - dt.timedelta(days=57))
    due_report = report_of(published=TODAY - dt.timedelta(days=56))
    received_report = report_of(published=TODAY - dt.timedelta(days=100))
    no_response = report_of(kind="national")
    overdue = issued(overdue_report, findings=1)["gloucestershire"]
    due = issued(due_report, findings=1)["gloucestershire"]
    received = issued(received_report, findings=1)["gloucestershire"]
    issued(no_response, findings=1)
    record(received_report, "gloucestershire", people["admin"], received)
    client = client_as("inspector")
    for state, expected in (("overdue", overdue), ("due", due), ("received", received)):
        page = client.get(reverse("recommendations:list"), {"response": state, "status": "all"})
        assert page.status_code == 200
        ids = [row["url"].rstrip("/").rsplit("/", 1)[-1] for row in page.context["rows"]]
        assert ids == [str(i.pk) for i in expected], state
    bad = client.get(reverse("recommendations:list"), {"response": "late"})
    assert "Response must be due, overdue or received" in bad.content.decode()


@pytest.mark.django_db
def test_dashboards_show_responses_due_within_14_days_and_overdue_in_scope(client_as):
    overdue_report = report_of(published=TODAY - dt.timedelta(days=60), title="Overdue one")
    soon_report = report_of(published=TODAY - dt.timedelta(days=50), title="Due soon")
    later_report = report_of(published=TODAY - dt.timedelta(days=10), title="Due later")
    elsewhere = report_of(published=TODAY - dt.timedelta(days=60), title="West Midlands one")
    for r in (overdue_report, soon_report, later_report):
        issued(r, findings=1)
    issued(elsewhere, forces=("west-midlands",), findings=1)
    text = client_as("liaison-officer").get(reverse("recommendations:dashboard")).content.decode()
    text = text.split('id="pcc-responses"')[1]  # the section, after the item tables
    assert "Overdue responses (1)" in text and "Overdue one" in text
    assert "Responses due within 14 days (1)" in text and "Due soon" in text
    assert "Due later" not in text
    assert "West Midlands one" not in text
    inspector = client_as("inspector").get(reverse("recommendations:dashboard")).content.decode()
    inspector = inspector.split('id="pcc-responses"')[1]
    assert "Overdue responses (2)" in inspector and "West Midlands one" in inspector


# Reminders -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_overdue_response_is_claimed_once_and_sent_in_the_digest(make_user):
    officer = make_user("liaison-officer", "officer.glos")
    lead = make_user("liaison-lead", "lead.sw", force_slugs=["gloucestershire"])
    make_user("liaison-officer", "officer.wmp", force_slugs=["west-midlands"])
    report = report_of(title="Crime data integrity – Gloucestershire")
    issued(report)
    received = report_of(title="Answered")
    answered = issued(received)["gloucestershire"]
    record(received, "gloucestershire", lead, answered)
    due = report_of(published=TODAY - dt.timedelta(days=20), title="Not yet due")
    issued(due)

    for _ in range(2):  # a second sweep claims nothing more
        _, people = reminders.sweep()
        for user_id in people:
            reminders.send_digest(user_id)
    assert ResponseReminder.objects.count() == 1
    assert ResponseReminder.objects.get().report == report
    assert sorted(ResponseReminderDelivery.objects.values_list("user__username", flat=True)) == [
        "lead.sw",
        "officer.glos",
    ]
    assert sorted(m.to[0] for m in mail.outbox) == [lead.email, officer.email]
    message = mail.outbox[0]
    assert "overdue police and crime commissioner's response" in message.subject.lower()
    assert "Crime data integrity – Gloucestershire" in message.body
    assert "14 days overdue" in message.body
    assert "Answered" not in message.body and "Not yet due" not in message.body
    assert not ResponseReminderDelivery.objects.filter(sent_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_claim_an_overdue_response_once(make_user):
    import threading

    from django.db import connection

    make_user("liaison-officer", "officer.glos")
    report = report_of()
    issued(report)
    barrier = threading.Barrier(2)
    outcomes = []

    def run():
        try:
            barrier.wait()
            reminders.sweep()
            outcomes.append("ok")
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes == ["ok", "ok"]
    assert ResponseReminder.objects.count() == 1
    assert ResponseReminderDelivery.objects.count() == 1


@pytest.mark.django_db
def test_the_demo_has_one_overdue_response_and_received_ones_and_loads_twice():
    from django.core.management import call_command

    from recommendations.models import TrackedItem
    from responses.selectors import state_q

    for _ in range(2):
        call_command("load_demo", stdout=io.StringIO())
    overdue = (
        TrackedItem.objects.filter(state_q("overdue"))
        .values_list("finding__report__slug", "force__slug")
        .distinct()
        .order_by()
    )
    assert list(overdue) == [("peel-2025-devon-and-cornwall", "devon-and-cornwall")]
    assert PccResponse.objects.count() == 2
    assert PccResponse.history.count() == 2  # the second load changed nothing


@pytest.mark.django_db
def test_the_home_page_and_report_page_cost_the_same_for_2_and_12_forces(client_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    forces = list(Force.objects.order_by("id").values_list("slug", flat=True))
    client = client_as("inspector")
    client.get(reverse("recommendations:dashboard"))  # the session's first save, once
    counts = []
    for n in (2, 12):
        report = report_of(kind="national", published=TODAY - dt.timedelta(days=60))
        InspectionReport.objects.filter(pk=report.pk).update(response_required=True)
        issued(report, forces=forces[:n], findings=1)
        with CaptureQueriesContext(connection) as home:
            client.get(reverse("recommendations:dashboard"))
        with CaptureQueriesContext(connection) as page:
            client.get(reverse("recommendations:report", args=[report.slug]))
        counts.append((len(home.captured_queries), len(page.captured_queries)))
    assert counts[0] == counts[1]
