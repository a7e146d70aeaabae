"""What people read on the declaration pages: problems named by the field's label, refused
uploads shown beside the upload with what was typed kept, amounts with thousands separators,
and rows that say what they are ("just now", "no number (cancelled draft)")."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from eport.declarations import services
from eport.declarations.models import Declaration, RiskRule
from eport.declarations.validation import clean_header, clean_item
from eport.declarations.views.errors import messages_of

from . import factories as f
from .test_pages import form_post


def item_problem(hs_code: str) -> str:
    with pytest.raises(ValidationError) as error:
        clean_item(f.item(hs_code=hs_code), 0)
    return error.value.message_dict["items.0.hs_code"][0]


# Commodity codes: the message says what was typed and what the rule wants -------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            "1234",
            "'1234' is not a commodity code: it has 4 digits and needs 10, e.g. 8471300000.",
        ),
        (
            "847130",
            "'847130' is not a commodity code: it has 6 digits and needs 10, e.g. 8471300000.",
        ),
        (
            "84713000001",
            "'84713000001' is not a commodity code: it has 11 digits and needs 10, "
            "e.g. 8471300000.",
        ),
        (
            "8",
            "'8' is not a commodity code: it has 1 digit and needs 10, e.g. 8471300000.",
        ),
        (
            "8471AB0000",
            "'8471AB0000' is not a commodity code: it may hold only digits, 10 of them, "
            "e.g. 8471300000.",
        ),
        ("", "Enter the 10-digit HS commodity code."),
    ],
)
def test_a_wrong_commodity_code_is_told_how_many_digits_it_has_and_needs(world, typed, message):
    assert item_problem(typed) == message


def test_dots_and_spaces_in_a_commodity_code_are_not_counted(world):
    assert clean_item(f.item(hs_code="8471.30 0000"), 0)["hs_code"] == "8471300000"


# Labels: never inside their own message, and "Item 1, HS code" in lists ---------------------


WRONG_HEADER = {
    "office": "9999",
    "flow": "x",
    "procedure_code": "12",
    "lrn": "",
    "consignor_name": "",
    "consignor_country": "XX",
    "consignee_name": "",
    "dispatch_country": "",
    "destination_country": "QQ",
    "transport_mode": "6",
    "port_of_loading": "XX123",
    "incoterm": "ZZZ",
    "invoice_currency": "XYZ",
    "invoice_total": "lots",
    "exchange_rate": "-1",
    "freight": "1.234",
    "insurance": "x",
}
WRONG_ITEM = {
    "hs_code": "1234",
    "description": "",
    "origin_country": "ZZ",
    "quantity": "0",
    "unit": "XXX",
    "net_mass": "30",
    "gross_mass": "x",
    "invoice_value": "-1",
    "valuation_method": "9",
}
WRONG_PARTY_IDS = [
    {"consignee_country": "CN", "consignee_id": "123"},
    {"consignee_country": "CN", "consignee_id": "91310000MA1FL0000I"},
    {"consignor_country": "CN", "consignor_id": f.usci("91310000MA1FL0000")[:17] + "0"},
]


def posted_with_problems(client, header: dict, item: dict):
    data = form_post(**header)
    data.update({f"items-0-{name}": value for name, value in item.items()})
    response = client.post(reverse("declarations:new"), data)
    assert response.status_code == 400
    return response


def problems_beside_labels(response) -> list[tuple[str, str]]:
    """(label, message) of every problem shown next to its field."""
    form = response.context["form"]
    shown = [(str(form[name].label), m) for name, errors in form.errors.items() for m in errors]
    for item in response.context["formset"].forms:
        for name, errors in item.errors.items():
            shown.extend((str(item[name].label), message) for message in errors)
    return shown


@pytest.mark.parametrize("party", WRONG_PARTY_IDS)
def test_no_message_repeats_the_label_it_is_shown_beside(client, world, party):
    client.force_login(world.trader)

    response = posted_with_problems(client, {**WRONG_HEADER, **party}, WRONG_ITEM)

    shown = problems_beside_labels(response)
    assert len(shown) >= 25
    for label, message in shown:
        words = re.sub(r"\s*\(.*\)$", "", label).lower()  # "Consignee id (USCI)" → "consignee id"
        assert not message.lower().startswith(words), (label, message)
        assert f"{words}:" not in message.lower(), (label, message)


def test_a_wrong_usci_is_said_once_under_the_party_id_field(world):
    with pytest.raises(ValidationError) as error:
        clean_header(f.header(consignee_country="CN", consignee_id="123"))

    assert error.value.message_dict["consignee_id"] == [
        "A USCI has exactly 18 characters; this one has 3."
    ]
    assert messages_of(error.value) == [
        "Consignee ID: A USCI has exactly 18 characters; this one has 3."
    ]


def test_the_problem_list_names_an_item_field_by_its_label(client, world):
    client.force_login(world.trader)

    response = posted_with_problems(client, {}, {"hs_code": "1234", "unit": "XXX"})

    labels = [problem["label"] for problem in response.context["error_summary"]]
    assert labels == ["Item 1, HS code", "Item 1, Unit"]
    assert "Item 1, HS code: &#x27;1234&#x27; is not a commodity code" in response.content.decode()


def test_a_goods_item_problem_in_a_message_names_the_item_and_the_field(world):
    problem = ValidationError({"items.1.hs_code": ["x"], "lrn": ["y"], "items.0": ["z"]})

    assert messages_of(problem) == ["Item 2, HS code: x", "LRN: y", "Item 1: z"]


# Refused uploads: the problem beside the upload, what was typed kept -------------------------


def post_upload(client, declaration, follow=False, **data):
    url = reverse("declarations:document_add", args=[declaration.uuid])
    return client.post(url, data, follow=follow)


def field_block(html: str, field_id: str) -> str:
    """The markup of one field: from its input to the end of its block."""
    return re.search(rf'<(input|select)[^>]*id="{field_id}".*?</div>', html, re.S).group(0)


def test_a_refused_file_is_named_beside_the_upload_and_the_typed_fields_are_kept(client, world):
    declaration = f.draft(world.trader)
    client.force_login(world.trader)

    response = post_upload(
        client,
        declaration,
        type="380",
        reference="INV-2026-0042",
        issued_on="2026-03-31",
        upload=f.upload(f.HTML, "invoice.pdf"),
    )

    assert response.status_code == 400
    assert declaration.documents.count() == 0
    html = response.content.decode()
    upload = field_block(html, "id_upload")
    assert 'aria-invalid="true"' in upload
    assert re.search(r'<input[^>]*aria-describedby="id_upload_helptext id_upload_error"', upload)
    assert re.search(r'<ul class="errorlist" id="id_upload_error">\s*<li>This file', upload)
    assert "Choose the file again" in upload
    # The typed inputs come back as typed; the page opens at the upload form.
    assert 'value="INV-2026-0042"' in field_block(html, "id_reference")
    assert 'value="2026-03-31"' in field_block(html, "id_issued_on")
    assert re.search(r'<option value="380"[^>]*selected', field_block(html, "id_type"))
    assert re.search(r'<input[^>]*id="id_upload"[^>]*autofocus|autofocus[^>]*id="id_upload"', html)
    assert html.count("autofocus") == 1


def test_a_file_over_the_limit_is_refused_beside_the_upload(client, world, settings):
    settings.EPORT_MAX_UPLOAD_BYTES = 1024
    declaration = f.draft(world.trader)
    client.force_login(world.trader)

    response = post_upload(
        client, declaration, type="380", reference="INV-1", upload=f.upload(f.PDF + b" " * 2048)
    )

    assert response.status_code == 400
    assert "the limit is 0.1 MB" in field_block(response.content.decode(), "id_upload")
    assert declaration.documents.count() == 0


def test_a_missing_reference_is_named_beside_it_and_the_focus_goes_there(client, world):
    declaration = f.draft(world.trader)
    client.force_login(world.trader)

    response = post_upload(client, declaration, type="380", reference="", upload=f.upload())

    assert response.status_code == 400
    block = field_block(response.content.decode(), "id_reference")
    assert 'aria-invalid="true"' in block and "autofocus" in block
    assert "Choose the file again" in field_block(response.content.decode(), "id_upload")


def test_an_issue_date_in_the_future_is_named_beside_the_date(client, world):
    declaration = f.draft(world.trader)
    client.force_login(world.trader)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()

    response = post_upload(
        client, declaration, type="380", reference="INV-1", issued_on=tomorrow, upload=f.upload()
    )

    assert response.status_code == 400
    block = field_block(response.content.decode(), "id_issued_on")
    assert "in the future" in block and f'value="{tomorrow}"' in block


def test_a_good_upload_still_goes_back_to_the_documents(client, world):
    declaration = f.draft(world.trader)
    client.force_login(world.trader)

    response = post_upload(client, declaration, type="380", reference="INV-1", upload=f.upload())

    assert response.status_code == 302
    assert response["Location"].endswith("#documents")
    assert declaration.documents.count() == 1


def test_an_upload_to_another_companys_declaration_is_not_found(client, world):
    declaration = f.draft(world.trader)
    client.force_login(world.trader2)

    response = post_upload(client, declaration, type="380", reference="", upload=f.upload())

    assert response.status_code == 404


def test_someone_who_may_not_attach_is_told_why_even_with_a_wrong_form(client, world):
    declaration = f.submitted(world.trader)
    client.force_login(world.trader)

    response = post_upload(client, declaration, type="380", reference="", follow=True)

    assert response.redirect_chain[-1][0].endswith("#documents")
    assert [str(m) for m in response.context["messages"]]
    assert declaration.documents.count() == 2


# Adding an item without JavaScript opens the page on its first field -------------------------


def test_add_another_item_without_javascript_focuses_the_new_items_hs_code(client, world):
    client.force_login(world.trader)
    data = form_post()
    data.pop("save")
    data["add_item"] = "1"

    response = client.post(reverse("declarations:new"), data)

    html = response.content.decode()
    new_code = re.search(r'<input[^>]*id="id_items-1-hs_code"[^>]*>', html).group(0)
    assert "autofocus" in new_code
    assert html.count("autofocus") == 1


# Numbers and words in lists and explanations -------------------------------------------------


def test_risk_reasons_show_amounts_with_thousands_separators(client, world):
    RiskRule.objects.create(name="High value", kind="value_above", parameter="5000", lane="yellow")
    declaration = f.submitted(world.trader, lane="green")
    client.force_login(world.officer)
    assert declaration.risk_reasons[0]["reason"] == "customs value 8268.00 CNY above 5000 CNY"

    html = client.get(reverse("declarations:detail", args=[declaration.uuid])).content.decode()

    assert "customs value 8,268.00 CNY above 5,000 CNY" in html
    assert "8268.00" not in html


def test_a_cancelled_draft_has_no_number_in_the_list(client, world):
    declaration = f.draft(world.trader, lrn="GONE-1")
    services.cancel_declaration(
        declaration=declaration, actor=world.trader, version=declaration.version
    )
    f.draft(world.trader, lrn="LIVE-1")
    client.force_login(world.trader)

    rows = {
        row["lrn"]: row["number"]
        for row in client.get(reverse("declarations:list") + "?status=cancelled").context["rows"]
    }
    rows.update(
        {
            row["lrn"]: row["number"]
            for row in client.get(reverse("declarations:list")).context["rows"]
        }
    )

    assert f.fresh(declaration).status == Declaration.Status.CANCELLED
    assert rows["GONE-1"] == "no number (cancelled draft)"
    assert rows["LIVE-1"] == "draft"


def test_a_declaration_submitted_seconds_ago_is_waiting_just_now(client, world):
    declaration = f.submitted(world.trader)
    older = f.submitted(world.trader, lrn="OLDER-1")
    Declaration.objects.filter(pk=older.pk).update(
        submitted_at=timezone.now() - timedelta(hours=3, minutes=2)
    )
    client.force_login(world.officer)

    response = client.get(reverse("declarations:list"))

    waiting = {row["lrn"]: row["waiting"] for row in response.context["rows"]}
    assert waiting[declaration.lrn] == "just now"
    assert waiting["OLDER-1"] == "3\xa0hours, 2\xa0minutes ago"
    assert "0\xa0minutes" not in response.content.decode()
