"""The police and crime commissioner's response: due dates, the service's rules (the PCC
office writes it, the force's liaison officers do not), the form, the report and item
pages, the dashboards, the list filter, the CSV and the reminders."""

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


@pytest.fixture
def pcc(make_user):
    """The Gloucestershire PCC office's person (scope: gloucestershire-pcc)."""
    return make_user("pcc-office", "pcc.glos", force_slugs=["gloucestershire"])


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
def test_the_pcc_office_records_the_response_with_an_answer_per_recommendation(pcc):
    report = report_of()
    items = issued(report)["gloucestershire"]
    answers = {items[0].pk: "accepted", items[1].pk: "partly-accepted"}
    response = record(report, "gloucestershire", pcc, items, answers=answers)
    assert response.force.slug == "gloucestershire"  # the police force's response
    assert response.received == TODAY - dt.timedelta(days=3)
    assert dict(response.answers.values_list("item_id", "answer")) == answers
    assert response.history.get().history_change_reason == "Recorded"
    assert response.history.get().history_user == pcc
    assert ResponseAnswer.history.count() == 2


@pytest.mark.django_db
def test_the_forces_liaison_officer_no_longer_records_its_pccs_response(people):
    report = report_of()
    items = issued(report)["gloucestershire"]
    with pytest.raises(errors.NotPermitted) as refused:
        record(report, "gloucestershire", people["liaison-officer"], items)
    assert refused.value.http_status == 403
    assert not PccResponse.objects.exists()


@pytest.mark.django_db
def test_only_a_police_force_has_a_pcc_response(people):
    """A national body or a PCC office as a recipient owes no s.55 response."""
    report = report_of(kind="thematic")
    InspectionReport.objects.filter(pk=report.pk).update(response_required=True)
    report.refresh_from_db()
    items = issued(report, forces=("college-of-policing", "gloucestershire-pcc"))
    for slug in items:
        with pytest.raises(services.NoResponseNeeded):
            record(report, slug, people["admin"], items[slug])
    assert not PccResponse.objects.exists()


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
def test_a_pcc_office_cannot_record_another_forces_response(people, pcc):
    report = report_of(kind="national")
    report.response_required = True
    report.save()
    items = issued(report, forces=("gloucestershire", "west-midlands", "devon-and-cornwall"))
    for slug in ("west-midlands", "devon-and-cornwall"):
        with pytest.raises(errors.NotPermitted):
            record(report, slug, pcc, items[slug])
    record(report, "west-midlands", people["admin"], items["west-midlands"])
    record(report, "gloucestershire", pcc, items["gloucestershire"])
    assert set(PccResponse.objects.values_list("force__slug", flat=True)) == {
        "west-midlands",
        "gloucestershire",
    }


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
def test_bad_input_is_refused_naming_the_field(pcc, change, field, message):
    report = report_of()
    items = issued(report)["gloucestershire"]
    with pytest.raises(errors.DomainError) as refused:
        record(report, "gloucestershire", pcc, items, **change)
    assert refused.value.field == field
    assert message in refused.value.message
    assert refused.value.http_status == 400
    assert not PccResponse.objects.exists()


@pytest.mark.django_db
def test_every_recommendation_needs_a_known_answer(pcc):
    report = report_of()
    items = issued(report)["gloucestershire"]
    officer = pcc
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
    client_as, pcc, django_assert_max_num_queries
):
    report = report_of(title="PEEL 2025 – Gloucestershire")
    items = issued(report)["gloucestershire"]
    client = client_as(pcc)
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
def test_the_form_shows_each_problem_by_its_field(client_as, pcc):
    report = report_of()
    items = issued(report)["gloucestershire"]
    client = client_as(pcc)
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
def test_the_item_page_says_the_state_and_links_to_the_form(client_as, pcc):
    report = report_of()
    items = issued(report)["gloucestershire"]
    form_url = reverse("responses:record", args=[report.slug, "gloucestershire"])
    item_url = reverse("recommendations:item", args=[items[0].pk])
    for writer in (pcc, "liaison-lead"):
        text = client_as(writer).get(item_url).content.decode()
        assert "Police and crime commissioner&#39;s response" in text or "commissioner's" in text
        assert form_url in text
    for reader in ("chief-of-staff", "liaison-officer"):  # the force does not write it
        text = client_as(reader).get(item_url).content.decode()
        assert "Overdue" in text
        assert form_url not in text
    report_page = reverse("recommendations:report", args=[report.slug])
    assert form_url in client_as(pcc).get(report_page).content.decode()
    assert form_url not in client_as("liaison-officer").get(report_page).content.decode()


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
    # A national body or a PCC office as a recipient owes no s.55 response: the
    # inspector's "PCC responses due" counts the police forces' only.
    national = report_of(kind="thematic", published=TODAY - dt.timedelta(days=60))
    InspectionReport.objects.filter(pk=national.pk).update(response_required=True)
    issued(national, forces=("college-of-policing", "gloucestershire-pcc"), findings=1)
    inspector = client_as("inspector").get(reverse("recommendations:dashboard")).content.decode()
    inspector = inspector.split('id="pcc-responses"')[1].split("<h2")[0]  # the section
    assert "Overdue responses (2)" in inspector and "West Midlands one" in inspector
    assert national.title not in inspector


@pytest.mark.django_db
def test_a_pcc_offices_home_shows_its_responses_due_and_its_forces_open_items(
    client_as, pcc, django_assert_max_num_queries
):
    overdue_report = report_of(published=TODAY - dt.timedelta(days=60), title="Overdue one")
    later_report = report_of(published=TODAY - dt.timedelta(days=10), title="Due later")
    answered = report_of(published=TODAY - dt.timedelta(days=20), title="Answered one")
    elsewhere = report_of(published=TODAY - dt.timedelta(days=60), title="West Midlands one")
    issued(overdue_report, findings=1)
    issued(later_report, findings=2)
    record(answered, "gloucestershire", pcc, issued(answered, findings=1)["gloucestershire"])
    issued(elsewhere, forces=("west-midlands",), findings=1)
    own = make_item(force="gloucestershire-pcc")  # addressed to the office itself
    client = client_as(pcc)
    client.get(reverse("recommendations:dashboard"))  # the session's first save
    with django_assert_max_num_queries(40):
        page = client.get(reverse("recommendations:dashboard"))
    office = page.context["pcc"]["office"]
    assert [(r.response.report_title, r.days_left, r.state) for r in office["responses"]] == [
        ("Overdue one", -4, "overdue"),
        ("Due later", 46, "due"),
    ]
    assert office["count"] == 2
    (force,) = office["forces"]
    assert (force["slug"], force["open"], force["awaiting_review"]) == ("gloucestershire", 4, 4)
    text = page.content.decode()
    section = text.split('id="pcc-responses"')[1]
    assert "Responses due (2)" in section
    assert "4 days overdue" in section and "46 days left" in section
    assert reverse("responses:record", args=[later_report.slug, "gloucestershire"]) in section
    assert "West Midlands one" not in text and "Answered one" not in section
    assert f"{reverse('recommendations:list')}?force=gloucestershire" in section
    # The office's own items are its to update; the force's are not in that table.
    officer_rows = [item for item, _ in page.context["officer"]["awaiting_review"]["rows"]]
    assert officer_rows == [own]
    assert "Items addressed to your office" in text


# Reminders -----------------------------------------------------------------------------------


def sweep_and_send(on):
    """A real sweep on `on` and every digest it triggers, as the worker runs them."""
    with time_machine.travel(dt.datetime.combine(on, dt.time(6, 0)), tick=False):
        _, people = reminders.sweep()
        for user_id in people:
            reminders.send_digest(user_id)


@pytest.mark.django_db
def test_the_pcc_office_is_reminded_14_and_3_days_before_and_when_overdue_once_each(make_user, pcc):
    officer = make_user("liaison-officer", "officer.glos")
    lead = make_user("liaison-lead", "lead.sw", force_slugs=["gloucestershire"])
    make_user("pcc-office", "pcc.wmp", force_slugs=["west-midlands"])
    published = TODAY - dt.timedelta(days=30)  # due 26 days after TODAY
    report = report_of(published=published, title="PEEL 2025 – Gloucestershire")
    issued(report)
    due = due_date(published)
    stages = []
    # Every day from 20 days before the deadline to 5 days after, twice a day.
    for offset in range(-20, 6):
        for _ in range(2):
            mail.outbox.clear()
            sweep_and_send(due + dt.timedelta(days=offset))
            if mail.outbox:
                stages.append((offset, sorted(m.to[0] for m in mail.outbox), mail.outbox[0]))
    assert [(offset, to) for offset, to, _ in stages] == [
        (-14, [pcc.email]),
        (-3, [pcc.email]),
        (1, sorted([pcc.email, lead.email])),
    ]
    assert officer.email not in {a for _, to, _ in stages for a in to}
    fourteen, three, overdue = (m for _, _, m in stages)
    assert "PEEL 2025 – Gloucestershire" in fourteen.body
    assert "14 days left" in fourteen.body
    assert "3 days left" in three.body
    assert "1 day overdue" in overdue.body
    assert "police and crime commissioner's response due or overdue" in overdue.subject
    assert sorted(ResponseReminder.objects.values_list("kind", flat=True)) == [
        "due-14",
        "due-3",
        "overdue",
    ]
    assert not ResponseReminderDelivery.objects.filter(sent_at__isnull=True).exists()
    assert ResponseReminderDelivery.objects.filter(user__username="pcc.wmp").count() == 0


@pytest.mark.django_db
def test_a_response_received_is_not_reminded_and_a_late_first_sweep_sends_one_stage(make_user, pcc):
    lead = make_user("liaison-lead", "lead.sw", force_slugs=["gloucestershire"])
    answered = report_of(published=TODAY - dt.timedelta(days=50), title="Answered")
    record(answered, "gloucestershire", pcc, issued(answered)["gloucestershire"])
    late = report_of(published=TODAY - dt.timedelta(days=54), title="Two days left")
    issued(late)
    overdue = report_of(title="Crime data integrity – Gloucestershire")  # 14 days overdue
    issued(overdue)
    sweep_and_send(TODAY)
    sweep_and_send(TODAY)
    assert sorted(ResponseReminder.objects.values_list("report__title", "kind")) == [
        ("Crime data integrity – Gloucestershire", "overdue"),
        ("Two days left", "due-3"),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([pcc.email, lead.email])
    to_pcc = next(m for m in mail.outbox if m.to == [pcc.email])
    assert "14 days overdue" in to_pcc.body and "2 days left" in to_pcc.body
    assert "Answered" not in to_pcc.body
    to_lead = next(m for m in mail.outbox if m.to == [lead.email])
    assert "Crime data integrity" in to_lead.body and "Two days left" not in to_lead.body
    assert "2 police and crime commissioner's responses due or overdue" in to_pcc.subject


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_claim_an_overdue_response_once(make_user):
    import threading

    from django.db import connection

    make_user("pcc-office", "pcc.glos", force_slugs=["gloucestershire"])
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
def test_the_demo_has_an_overdue_response_a_due_one_and_received_ones_and_loads_twice():
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
    # Devon and Cornwall's (other demo reports, e.g. the force in Engage's, may add more).
    assert ("peel-2025-devon-and-cornwall", "devon-and-cornwall") in set(overdue)
    assert PccResponse.objects.count() == 2
    assert PccResponse.history.count() == 2  # the second load changed nothing
    # The Gloucestershire PCC office: its person, a response due, and its own item.
    from django.contrib.auth import get_user_model

    office = get_user_model().objects.get(username="pcc.glos")
    assert office.get_full_name() == "Priya Clarke"
    assert [f.slug for f in office.scope.forces.all()] == ["gloucestershire-pcc"]
    assert ("peel-2025-gloucestershire", "gloucestershire") in set(
        TrackedItem.objects.filter(state_q("due")).values_list(
            "finding__report__slug", "force__slug"
        )
    )
    own = TrackedItem.objects.get(
        force__slug="gloucestershire-pcc", finding__report__slug="anti-social-behaviour-2025"
    )
    assert own.timeline.filter(event="progress-update", author=office).count() == 1


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
