"""The declaration pages: who may see and do what, and what a person sees when it goes wrong."""

import re

import pytest
from django.urls import reverse

from eport.declarations import services
from eport.declarations.models import Declaration

from . import factories as f


def detail_url(declaration):
    return reverse("declarations:detail", args=[declaration.uuid])


def action_url(declaration, move):
    return reverse("declarations:action", args=[declaration.uuid, move])


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def form_post(**overrides) -> dict:
    """A new-declaration form post as the browser sends it: header, one item, management form."""
    data = {key: str(value) for key, value in f.header(**overrides).items()}
    item = f.item()
    data.update({f"items-0-{key}": str(value) for key, value in item.items()})
    data.update(
        {
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "1",
            "items-MAX_NUM_FORMS": "999",
            "save": "1",
        }
    )
    return data


# Start page and sign-in ---------------------------------------------------------------------


@pytest.mark.smoke
@pytest.mark.django_db
def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["trader", "officer", "auditor"])
def test_each_role_starts_on_the_declarations_page(client, world, who):
    client.force_login(getattr(world, who))

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == reverse("declarations:list")


@pytest.mark.parametrize("path", ["/declarations/", "/declarations/new/"])
def test_anonymous_visitors_are_sent_to_sign_in_from_every_page(client, world, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_anonymous_visitors_cannot_open_a_declaration_or_act_on_it(client, world):
    declaration = f.draft(world.trader)

    page = client.get(detail_url(declaration))
    action = client.post(action_url(declaration, "cancel"), {"version": declaration.version})

    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
    assert action.status_code == 302 and action["Location"].startswith("/accounts/login/")
    assert f.fresh(declaration).status == Declaration.Status.DRAFT


def test_pages_carry_a_strict_content_security_policy(client, world):
    client.force_login(world.trader)

    response = client.get(reverse("declarations:list"))

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


# Lists ---------------------------------------------------------------------------------------


def test_a_trader_sees_only_the_company_declarations_with_counts(client, world):
    f.draft(world.trader, lrn="ALPHA-1")
    f.draft(world.trader2, lrn="BETA-1")
    client.force_login(world.trader)

    response = client.get(reverse("declarations:list"))

    content = response.content.decode()
    assert "ALPHA-1" in content
    assert "BETA-1" not in content
    draft_count = next(row for row in response.context["status_counts"] if row["status"] == "draft")
    assert draft_count["count"] == 1


def test_a_trader_finds_a_declaration_by_its_transport_document(client, world):
    f.draft(world.trader, lrn="FIND-ME", transport_document="MAEU7654321")
    f.draft(world.trader, lrn="OTHER", transport_document="HLCU0000001")
    client.force_login(world.trader)

    response = client.get(reverse("declarations:list"), {"q": "maeu7654321"})

    content = response.content.decode()
    assert "FIND-ME" in content
    assert "OTHER" not in content


def test_the_officer_queue_puts_red_first_and_counts_what_waits(client, world):
    yellow = f.submitted(world.trader, "yellow", lrn="Y-1")
    red = f.submitted(world.trader, "red", lrn="R-1")
    client.force_login(world.officer)

    response = client.get(reverse("declarations:list"))

    rows = [d.pk for d in response.context["declarations"]]
    assert rows == [red.pk, yellow.pk]
    assert response.context["waiting_count"] == 2
    assert re.search(r"<strong data-waiting>2</strong>", response.content.decode())


def test_the_officer_queue_filters_by_lane(client, world):
    f.submitted(world.trader, "yellow", lrn="Y-1")
    f.submitted(world.trader, "red", lrn="R-1")
    client.force_login(world.officer)

    response = client.get(reverse("declarations:list"), {"lane": "yellow"})

    assert [d.lrn for d in response.context["declarations"]] == ["Y-1"]


def test_bad_filter_values_are_ignored_not_an_error(client, world):
    client.force_login(world.auditor)

    response = client.get(
        reverse("declarations:list"), {"status": "nonsense", "age": "x", "page": "-3"}
    )

    assert response.status_code == 200


@pytest.mark.parametrize("who", ["trader", "officer", "auditor"])
@pytest.mark.parametrize("param", ["page", "age", "company", "q", "lane", "status"])
def test_huge_numbers_in_filters_are_not_an_error(client, world, who, param):
    client.force_login(getattr(world, who))

    response = client.get(reverse("declarations:list"), {param: "9" * 30})

    assert response.status_code == 200


# Who may see what: another company's or office's declaration does not exist ------------------


@pytest.fixture
def alpha_query(world):
    """Alpha's declaration in the query status, with a document: every page has something."""
    declaration = f.submitted(world.trader, "yellow")
    from eport.declarations import services

    declaration = services.take_declaration(
        declaration=declaration, actor=world.officer, version=declaration.version
    )
    declaration = services.raise_query(
        declaration=declaration,
        actor=world.officer,
        version=declaration.version,
        question="Please attach the packing list.",
    )
    return declaration


def requests_for(declaration):
    document = declaration.documents.first()
    return [
        ("get", detail_url(declaration), {}),
        ("get", reverse("declarations:edit", args=[declaration.uuid]), {}),
        ("post", reverse("declarations:edit", args=[declaration.uuid]), form_post()),
        ("get", reverse("declarations:document", args=[document.uuid]), {}),
        ("post", reverse("declarations:document_remove", args=[document.uuid]), {}),
        ("post", reverse("declarations:document_add", args=[declaration.uuid]), {}),
        ("post", action_url(declaration, "cancel"), {"version": declaration.version}),
        ("post", action_url(declaration, "reject"), {"version": declaration.version}),
    ]


@pytest.mark.parametrize("index", range(8))
def test_another_company_trader_gets_not_found_everywhere(client, world, alpha_query, index):
    method, url, data = requests_for(alpha_query)[index]
    client.force_login(world.trader2)

    response = getattr(client, method)(url, data)

    assert response.status_code == 404
    declaration = f.fresh(alpha_query)
    assert declaration.status == Declaration.Status.QUERY
    assert declaration.documents.count() == 2


@pytest.mark.parametrize("index", [0, 3, 6, 7])
def test_an_officer_of_another_office_gets_not_found(client, world, alpha_query, index):
    method, url, data = requests_for(alpha_query)[index]
    client.force_login(world.beijing_officer)

    response = getattr(client, method)(url, data)

    assert response.status_code == 404
    assert f.fresh(alpha_query).status == Declaration.Status.QUERY


def test_the_not_found_page_matches_the_design(client, world, alpha_query):
    client.force_login(world.trader2)

    response = client.get(detail_url(alpha_query))

    assert response.status_code == 404
    assert b'class="error-page__code">404' in response.content
    assert b"not yours to see" in response.content


def test_an_auditor_can_read_a_declaration_but_not_act(client, world, alpha_query):
    client.force_login(world.auditor)

    page = client.get(detail_url(alpha_query))

    assert page.status_code == 200
    assert b"Read-only" in page.content
    assert b"Please attach the packing list." in page.content


@pytest.mark.parametrize(
    "move", ["cancel", "reject", "take", "query", "assess", "release", "submit"]
)
def test_every_action_of_an_auditor_is_refused(client, world, alpha_query, move):
    client.force_login(world.auditor)
    before = f.fresh(alpha_query)

    response = client.post(
        action_url(alpha_query, move),
        {"version": before.version, "text": "reason given"},
        follow=True,
    )

    after = f.fresh(alpha_query)
    assert (after.status, after.version) == (before.status, before.version)
    assert any("read-only" in message for message in shown_messages(response))


def test_an_auditor_cannot_edit_or_upload(client, world, alpha_query):
    client.force_login(world.auditor)

    edit = client.post(
        reverse("declarations:edit", args=[alpha_query.uuid]), form_post(), follow=True
    )
    upload = client.post(
        reverse("declarations:document_add", args=[alpha_query.uuid]),
        {"type": "271", "reference": "PL-1", "upload": f.upload(name="pl.pdf")},
        follow=True,
    )

    assert any("read-only" in message for message in shown_messages(edit))
    assert any("read-only" in message.lower() for message in shown_messages(upload))
    assert f.fresh(alpha_query).documents.count() == 2


def test_officers_and_auditors_cannot_open_the_new_declaration_form(client, world):
    for person in (world.officer, world.auditor):
        client.force_login(person)
        assert client.get(reverse("declarations:new")).status_code == 403


# The form ------------------------------------------------------------------------------------


def test_a_trader_saves_a_draft_from_the_form(client, world):
    client.force_login(world.trader)

    response = client.post(reverse("declarations:new"), form_post(lrn="FORM-1"), follow=True)

    declaration = Declaration.objects.get(lrn="FORM-1")
    assert declaration.status == Declaration.Status.DRAFT
    assert declaration.items.count() == 1
    assert response.redirect_chain[-1][0] == detail_url(declaration)
    assert "Draft FORM-1 saved." in shown_messages(response)


def test_every_form_error_is_shown_at_once_next_to_its_field(client, world):
    client.force_login(world.trader)
    data = form_post(consignor_country="XX", invoice_total="lots")
    data["items-0-hs_code"] = "9999999999"
    data["items-0-net_mass"] = "30"  # above the gross mass of 25

    response = client.post(reverse("declarations:new"), data)

    assert response.status_code == 400
    form = response.context["form"]
    item = response.context["formset"].forms[0]
    assert "consignor_country" in form.errors
    assert "invoice_total" in form.errors
    assert "hs_code" in item.errors
    assert "net_mass" in item.errors
    content = response.content.decode()
    assert "4 problems to fix" in content
    assert 'href="#id_consignor_country"' in content
    assert 'href="#id_items-0-hs_code"' in content
    # The message sits in the field's own block, right after its input.
    block = re.search(r'<input[^>]*id="id_consignor_country".*?</ul>', content, re.S).group(0)
    assert "is not a country code" in block
    assert not Declaration.objects.filter(lrn="LRN-1").exists()


def test_add_another_item_works_without_javascript(client, world):
    client.force_login(world.trader)
    data = form_post()
    data.pop("save")
    data["add_item"] = "1"

    response = client.post(reverse("declarations:new"), data)

    assert response.status_code == 200
    assert len(response.context["formset"].forms) == 2
    assert not Declaration.objects.exists()


def test_save_and_submit_without_documents_keeps_the_draft_and_says_why(client, world):
    client.force_login(world.trader)
    data = form_post(lrn="NODOCS")
    data.pop("save")
    data["submit"] = "1"

    response = client.post(reverse("declarations:new"), data, follow=True)

    declaration = Declaration.objects.get(lrn="NODOCS")
    assert declaration.status == Declaration.Status.DRAFT
    messages = " ".join(shown_messages(response))
    assert "cannot be submitted yet" in messages
    assert "invoice" in messages.lower()


def test_a_submitted_declaration_cannot_be_edited(client, world):
    declaration = f.submitted(world.trader, "yellow")
    client.force_login(world.trader)

    response = client.get(reverse("declarations:edit", args=[declaration.uuid]), follow=True)

    assert response.redirect_chain[-1][0] == detail_url(declaration)
    assert any("can be edited only" in m for m in shown_messages(response))


# Actions -------------------------------------------------------------------------------------


def test_a_stale_action_is_refused_with_a_message_and_changes_nothing(client, world):
    declaration = f.submitted(world.trader, "yellow")
    shown_version = declaration.version
    client.force_login(world.officer2)
    client.post(action_url(declaration, "take"), {"version": shown_version})
    taken = f.fresh(declaration)
    client.force_login(world.officer)

    response = client.post(action_url(declaration, "take"), {"version": shown_version}, follow=True)

    after = f.fresh(declaration)
    assert (after.assigned_officer, after.version) == (world.officer2, taken.version)
    assert response.redirect_chain[-1][0] == detail_url(declaration)
    assert any("reload" in message.lower() for message in shown_messages(response))


def test_a_query_needs_a_question(client, world):
    declaration = f.submitted(world.trader, "yellow")
    client.force_login(world.officer)
    client.post(action_url(declaration, "take"), {"version": declaration.version})
    declaration = f.fresh(declaration)

    response = client.post(
        action_url(declaration, "query"), {"version": declaration.version, "text": ""}, follow=True
    )

    assert f.fresh(declaration).status == Declaration.Status.UNDER_REVIEW
    assert any("question" in message for message in shown_messages(response))


def test_the_declaration_page_offers_exactly_the_allowed_actions(client, world):
    declaration = f.submitted(world.trader, "red")
    client.force_login(world.officer)

    response = client.get(detail_url(declaration))

    assert [move.name for move in response.context["actions"]] == ["take"]
    assert f'value="{declaration.version}"' in response.content.decode()


def test_traders_see_instructions_and_officers_see_risk_reasons(client, world):
    declaration = f.submitted(world.trader, "red")

    client.force_login(world.trader)
    trader_page = client.get(detail_url(declaration)).content.decode()
    client.force_login(world.officer)
    officer_page = client.get(detail_url(declaration)).content.decode()

    assert "Physical inspection" in trader_page
    assert "Sanctioned origin" not in trader_page
    assert "Check for sanctions evasion" not in trader_page
    assert "Sanctioned origin" in officer_page
    assert "Check for sanctions evasion" in officer_page


def test_the_timeline_names_people_and_links_ledger_entries(client, world):
    declaration = f.submitted(world.trader, "yellow")
    world.trader.first_name, world.trader.last_name = "Li", "Wei"
    world.trader.save()
    client.force_login(world.trader)

    response = client.get(detail_url(declaration))

    rows = response.context["timeline"]
    assert [row["action"] for row in rows][-2:] == [
        "declaration.submitted",
        "declaration.risk_assessed",
    ]
    content = response.content.decode()
    assert "Li Wei" in content
    assert "Risk engine" in content
    submitted = rows[-2]
    assert f'href="/ledger/entries/{submitted["seq"]}"' in content
    assert f'data-copy="{submitted["hash"]}"' in content


# Documents -----------------------------------------------------------------------------------


def test_a_document_downloads_as_an_attachment_with_its_type(client, world):
    declaration = f.draft(world.trader)
    document = f.attach(declaration, world.trader, "380")
    client.force_login(world.trader)

    response = client.get(reverse("declarations:document", args=[document.uuid]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == f.PDF


def test_an_upload_that_is_not_a_pdf_or_image_is_refused_with_a_message(client, world):
    declaration = f.draft(world.trader)
    client.force_login(world.trader)

    response = client.post(
        reverse("declarations:document_add", args=[declaration.uuid]),
        {"type": "380", "reference": "INV-1", "upload": f.upload(f.HTML, "invoice.pdf")},
    )

    assert response.status_code == 400
    assert declaration.documents.count() == 0
    assert response.context["document_form"].errors["upload"]


# HS hint -------------------------------------------------------------------------------------


def test_the_hs_hint_describes_a_subheading(client, world):
    response = client.get(reverse("web:hs_lookup", args=["8471300000"]))

    assert response.status_code == 200
    assert response.json()["description"] == "Portable automatic data-processing machines"


def test_the_hs_hint_says_when_a_code_is_unknown(client, world):
    response = client.get(reverse("web:hs_lookup", args=["999999"]))

    assert response.status_code == 404
    assert "not an HS 2022 subheading" in response.json()["error"]


def test_a_trader_edits_a_draft_and_a_stale_edit_is_refused(client, world):
    declaration = f.draft(world.trader, lrn="EDIT-1")
    client.force_login(world.trader)
    edit_url = reverse("declarations:edit", args=[declaration.uuid])
    page = client.get(edit_url)
    shown_version = declaration.version
    data = form_post(lrn="EDIT-2")
    data["version"] = str(shown_version)

    saved = client.post(edit_url, data, follow=True)
    stale = client.post(edit_url, {**data, "lrn": "EDIT-3"})

    assert page.status_code == 200
    assert 'value="EDIT-1"' in page.content.decode()
    assert "Draft EDIT-2 saved." in shown_messages(saved)
    assert f.fresh(declaration).lrn == "EDIT-2"
    assert "reload" in " ".join(shown_messages(stale)).lower()
    assert f.fresh(declaration).lrn == "EDIT-2"


def test_the_server_error_page_renders_without_a_request(db):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")

    assert "Something went wrong on our side" in html
    assert "/static/css/eport.css" in html


def test_a_released_declaration_links_to_its_receipt_and_release_note(client, world):
    declaration = f.submit(f.ready(world.trader), world.trader)
    declaration = services.record_payment(
        declaration=declaration, actor=world.officer, version=declaration.version, reference="P1"
    )
    client.force_login(world.trader)

    page = client.get(detail_url(declaration)).content.decode()

    assert f'href="/receipts/{declaration.uuid}/"' in page
    assert "Receipt and release note" in page


def test_each_role_sees_its_own_navigation(client, world):
    expected = {
        "trader": ["Declarations", "New declaration", "Licences", "Duties and taxes", "API tokens"],
        "officer": ["Work queue", "Licences", "Duties and taxes", "API tokens"],
        "auditor": ["Declarations", "Licences", "Duties and taxes", "Audit", "Ledger", "Verify"],
    }
    for who, labels in expected.items():
        client.force_login(getattr(world, who))
        response = client.get("/declarations/")
        assert [link["label"] for link in response.context["nav_links"]] == labels
