"""The malformed-input census: every endpoint family meets many malformed inputs (a table of
classic ones and hypothesis-generated ones). None may answer 5xx; a refusal (4xx, or the pages'
redirect back with a message) saves nothing; nothing already saved changes unless the input was
acceptable and its change was ledgered. The counts per family and outcome are printed at the end
of the session (tests/census/conftest.py) and written to var/census.txt or EPORT_CENSUS_REPORT."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eport.api.tokens import create_token, revoke_token
from eport.banks import services as bank_services
from eport.declarations import services
from eport.declarations.models import Declaration
from eport.payments import selectors as payment_selectors
from eport.payments import services as payment_services
from ledger import notary
from ledger.models import Checkpoint, Entry
from tests.api.conftest import draft_body
from tests.banks import factories as bf
from tests.declarations import factories as f
from tests.payments import factories as pf

from . import inputs
from .census import Probe

pytestmark = pytest.mark.django_db

HYPOTHESIS = settings(
    max_examples=15,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_numbers = itertools.count(1)


def lrn() -> str:
    return f"CENSUS-{next(_numbers)}"


class Api:
    """A token holder's raw requests: bodies are bytes, sent as they are."""

    def __init__(self, user):
        _, self.secret = create_token(actor=user, name=f"census {next(_numbers)}")
        self.client = Client(raise_request_exception=True)

    def __call__(self, method, path, body=b"", content_type="application/json", **headers):
        headers.setdefault("HTTP_AUTHORIZATION", f"Bearer {self.secret}")
        return lambda: self.client.generic(
            method, path, data=body, content_type=content_type, **headers
        )

    def multipart(self, path, data, **headers):
        headers.setdefault("HTTP_AUTHORIZATION", f"Bearer {self.secret}")
        return lambda: self.client.post(path, data, **headers)


def signed_in(user) -> Client:
    client = Client(raise_request_exception=True)
    client.force_login(user)
    return client


@pytest.fixture
def scene(lanes, ledger_keys):
    """A draft with its invoice, a yellow declaration taken by the officer, a released one
    presented to ICBC, a bill waiting for ICBC's debit, and a notarized checkpoint."""
    w = lanes
    w.draft = f.draft(w.trader, lrn="SCENE-DRAFT")
    f.attach(w.draft, w.trader, "380")
    w.taken = f.submitted(w.trader, lane="yellow", lrn="SCENE-TAKEN")
    w.taken = services.take_declaration(
        declaration=w.taken, actor=w.officer, version=w.taken.version
    )
    w.waiting = f.submitted(w.trader, lane="yellow", lrn="SCENE-WAITING")
    w.released = bf.released(w.trader, w.officer, lrn="SCENE-RELEASED")
    bank_services.present_declaration(declaration=w.released, actor=w.trader, bank=w.icbc)
    w.bill = pf.assessed(w.trader, lrn="SCENE-BILL")
    w.agreement = pf.agreement(w.trader, w.bank)
    w.instruction = payment_services.instruct_payment(
        bill=w.bill, actor=w.trader, agreement=w.agreement
    )
    notary.notarize_pending(cosign="inline")
    return w


def version_of(declaration) -> int:
    return Declaration.objects.get(pk=declaration.pk).version


# --- API declarations: create, update, moves -------------------------------------------------


def test_api_declarations(scene):
    probe = Probe("API declarations (create/update/move)")
    trader, officer = Api(scene.trader), Api(scene.officer)
    create = "/api/v1/declarations/"
    base = draft_body(lrn="X")
    header_keys = [key for key in base if key != "items"]

    for index, key in enumerate(header_keys):
        for raw in inputs.JSON_VALUES[index % 8 :: 8]:
            body = {**base, "lrn": lrn()}
            probe(
                f"create {key}={raw[:30]}",
                trader("POST", create, inputs.with_value(body, key, raw)),
                refuse=False,
            )
        probe(
            f"create without {key}",
            trader("POST", create, inputs.without({**base, "lrn": lrn()}, key)),
            refuse=False,
        )
    item_keys = list(base["items"][0])
    for index, key in enumerate(item_keys):
        for raw in inputs.JSON_VALUES[index % 12 :: 12]:
            items = [{**base["items"][0], key: inputs.MARKER}, base["items"][1]]
            body = inputs.spliced({**base, "lrn": lrn(), "items": items}, raw)
            probe(f"create item {key}={raw[:30]}", trader("POST", create, body), refuse=False)
    for raw in [
        "null",
        "{}",
        "[]",
        "[null]",
        "[[]]",
        '"items"',
        "[" + ",".join(["{}"] * 2000) + "]",
    ]:
        probe(
            f"create items={raw[:20]}",
            trader("POST", create, inputs.with_value({**base, "lrn": lrn()}, "items", raw)),
            refuse=raw != "[]",  # a draft without items yet is a draft still to be completed
        )
    for what, body in inputs.structural_bodies({**base, "lrn": lrn()}):
        probe(f"create: {what}", trader("POST", create, body))
    valid = json.dumps({**base, "lrn": lrn()}).encode()
    for content_type in [
        "text/plain",
        "application/xml",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "application/json; charset=bogus",
        "application/json; charset=utf-32",
        "",
    ]:
        probe(
            f"create as {content_type or 'no content type'}",
            trader("POST", create, valid, content_type=content_type),
            # An ASCII body reads the same in any charset the parser falls back to.
            refuse=content_type != "application/json; charset=bogus",
        )
    for key in ["", " ", "x" * 10_000, "\u202e😀", "a\x00b"]:
        body = json.dumps({**base, "lrn": lrn()}).encode()
        probe(
            f"create Idempotency-Key={key[:20]!r}",
            trader("POST", create, body, HTTP_IDEMPOTENCY_KEY=key),
            refuse=False,
        )

    # Update the draft: a malformed version is refused; malformed fields at the right version.
    update = f"/api/v1/declarations/{scene.draft.uuid}/"
    for raw in inputs.JSON_VALUES:
        body = inputs.with_value({**base, "lrn": "SCENE-DRAFT"}, "version", raw)
        probe(f"update version={raw[:30]}", trader("PUT", update, body))
    for index, key in enumerate(header_keys):
        for raw in inputs.JSON_VALUES[index % 16 :: 16]:
            body = {**base, "lrn": "SCENE-DRAFT", "version": version_of(scene.draft)}
            probe(
                f"update {key}={raw[:30]}",
                trader("PUT", update, inputs.with_value(body, key, raw)),
                refuse=False,
            )
    for what, body in inputs.structural_bodies({**base, "version": version_of(scene.draft)}):
        probe(f"update: {what}", trader("PUT", update, body))

    # Moves: submit the draft, take the waiting one, query the taken one.
    for name, declaration, client, extra in [
        ("submit", scene.draft, trader, {}),
        ("take", scene.waiting, officer, {}),
        ("query", scene.taken, officer, {"question": "Show the invoice."}),
    ]:
        url = f"/api/v1/declarations/{declaration.uuid}/{name}/"
        for raw in inputs.JSON_VALUES[len(name) % 2 :: 2]:
            probe(
                f"{name} version={raw[:30]}",
                client("POST", url, inputs.with_value(extra, "version", raw)),
            )
        if name == "submit":
            for what, body in inputs.structural_bodies({"version": version_of(declaration)}):
                probe(f"{name}: {what}", client("POST", url, body))
    query = f"/api/v1/declarations/{scene.taken.uuid}/query/"
    for raw in inputs.JSON_VALUES[::2]:
        body = {"version": version_of(scene.taken)}
        probe(
            f"query question={raw[:30]}",
            officer("POST", query, inputs.with_value(body, "question", raw)),
            refuse=False,
        )
    for bad in ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "..%2f..%2f", "%00"]:
        probe(
            f"submit on {bad}",
            trader("POST", f"/api/v1/declarations/{bad}/submit/", b'{"version": 1}'),
        )

    @given(body=inputs.json_values)
    @HYPOTHESIS
    def generated(body):
        raw = json.dumps(body).encode()
        probe("create: generated JSON", trader("POST", create, raw), refuse=False)
        probe("update: generated JSON", trader("PUT", update, raw), refuse=False)

    generated()

    @given(values=st.dictionaries(st.sampled_from(header_keys), inputs.json_values, max_size=5))
    @HYPOTHESIS
    def generated_fields(values):
        body = json.dumps({**base, "lrn": lrn(), **values}).encode()
        probe("create: generated field values", trader("POST", create, body), refuse=False)

    generated_fields()
    probe.assert_clean(minimum=400)


# --- API documents upload ----------------------------------------------------------------------


def test_api_documents_upload(scene, settings):
    probe = Probe("API documents upload")
    trader = Api(scene.trader)
    url = f"/api/v1/declarations/{scene.draft.uuid}/documents/"
    pdf = lambda name="invoice.pdf", content=f.PDF: f.upload(content, name)  # noqa: E731

    def upload(label, refuse=True, **fields):
        data = {"type": "380", "reference": "INV-1", **fields}
        data.setdefault("file", pdf())
        data = {key: value for key, value in data.items() if value is not None}
        probe(label, trader.multipart(url, data), refuse=refuse)

    for value in inputs.FORM_VALUES:
        upload(f"type={value[:30]!r}", type=value)
        upload(
            f"reference={value[:30]!r}",
            refuse=False,
            reference=value,
            file=pdf(content=f.PDF + value.encode("utf-8", "surrogatepass")[:64]),
        )
        upload(f"issued_on={value[:30]!r}", refuse=False, issued_on=value)
    for content, what in [
        (b"", "an empty file"),
        (f.EXE, "a Windows program"),
        (f.HTML, "a web page"),
        (b"\x00" * 100, "NUL bytes"),
        (b"%PDF", "a PDF header only"),
        (f.PDF + b"x" * (settings.EPORT_MAX_UPLOAD_BYTES + 1), "over the size limit"),
        (b"\xff\xfe" + "<svg>".encode("utf-16-le"), "UTF-16 SVG"),
    ]:
        upload(f"file: {what}", refuse=what != "a PDF header only", file=pdf(content=content))
    for name in [
        "../../../etc/passwd",
        "..\\..\\windows\\win.ini",
        "/etc/passwd",
        "a\x00.pdf",
        "x" * 300 + ".pdf",
        "😀\u202efdp.exe",
        "CON",
        "%2e%2e%2f.pdf",
    ]:
        upload(
            f"file name {name[:30]!r}",
            refuse=False,
            file=pdf(name=name, content=f.PDF + name.encode("utf-8", "replace")[:40]),
        )
    upload("no file", file=None)
    upload("no type", type=None)
    upload("file as text", file="%PDF-1.4 not a file")
    upload("two files", refuse=False, file=[pdf(), pdf(content=f.PDF + b"2")])  # one is kept
    upload("type as a file", type=pdf())
    boundary = "census"
    part = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="type"\r\n\r\n380\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode() + f.PDF
    for what, body, content_type in [
        ("no closing boundary", part, f"multipart/form-data; boundary={boundary}"),
        ("no boundary parameter", part, "multipart/form-data"),
        ("another boundary", part + b"\r\n--census--\r\n", "multipart/form-data; boundary=other"),
        ("an empty boundary", part, "multipart/form-data; boundary="),
        ("a boundary of 300 characters", part, "multipart/form-data; boundary=" + "b" * 300),
        (
            "a header without a name",
            b"--census\r\nContent-Disposition: form-data\r\n\r\nx\r\n--census--\r\n",
            f"multipart/form-data; boundary={boundary}",
        ),
        (
            "invalid UTF-8 in a part header",
            b'--census\r\nContent-Disposition: form-data; name="\xff\xfe"\r\n\r\n'
            b"x\r\n--census--\r\n",
            f"multipart/form-data; boundary={boundary}",
        ),
        ("garbage", b"\x00\xff" * 500, f"multipart/form-data; boundary={boundary}"),
        ("JSON", b'{"type": "380", "file": "JVBERi0="}', "application/json"),
        ("a form", b"type=380&reference=x", "application/x-www-form-urlencoded"),
        ("an octet stream", f.PDF, "application/octet-stream"),
    ]:
        probe(f"multipart: {what}", trader("POST", url, body, content_type=content_type))
    for bad in ["not-a-uuid", "00000000-0000-0000-0000-000000000000"]:
        probe(
            f"upload to {bad}",
            trader.multipart(
                f"/api/v1/declarations/{bad}/documents/", {"type": "380", "file": pdf()}
            ),
        )

    @given(
        fields=st.dictionaries(
            st.sampled_from(["type", "reference", "issued_on"]), inputs.form_texts
        )
    )
    @HYPOTHESIS
    def generated(fields):
        clean = {key: value.replace("\x00", "") for key, value in fields.items()}
        upload("generated fields", refuse=False, **clean)

    generated()
    probe.assert_clean(minimum=100)


# --- API tokens: the bearer header and the token page -----------------------------------------


def test_api_tokens(scene):
    probe = Probe("API tokens (bearer header, token page)")
    holder = Api(scene.trader)
    revoked_token, revoked = create_token(actor=scene.trader, name="revoked")
    revoke_token(token=revoked_token, actor=scene.trader)
    list_url = "/api/v1/declarations/"
    prefix = holder.secret.split("_")[1] if "_" in holder.secret else holder.secret[:8]
    for header in [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer x",
        "Bearer " + holder.secret[:-1],
        "Bearer " + holder.secret + "x",
        "Bearer " + holder.secret + " extra",
        f"Bearer eport_{prefix}_",
        "Bearer eport__",
        "Bearer eport_" + "x" * 10_000,
        "Bearer " + revoked,
        "Bearer a\x00b",
        "Bearer 😀",
        "Bearer \u202e" + holder.secret,
        "Basic dXNlcjpwYXNz",
        "Token " + holder.secret,
        "Bearer " + holder.secret.upper(),
        holder.secret,
    ]:
        # A WSGI server hands headers over as ISO-8859-1 text, whatever bytes the client sent.
        wire = None if header is None else header.encode("utf-8").decode("latin-1")
        headers = {} if wire is None else {"HTTP_AUTHORIZATION": wire}
        probe(
            f"Authorization {str(header)[:40]!r}",
            lambda headers=headers: Client(raise_request_exception=True).get(list_url, **headers),
        )

    page = reverse("api_tokens:list")
    client = signed_in(scene.trader)
    for value in inputs.FORM_VALUES:
        probe(
            f"token page name={value[:30]!r}",
            lambda value=value: client.post(page, {"name": value, "lifetime_days": "90"}),
            refuse=False,
        )
    for value in [*inputs.FORM_VALUES, "7", "366", "-90", "90.0", "90 ", "0"]:
        probe(
            f"token page lifetime_days={value[:30]!r}",
            lambda value=value: client.post(page, {"name": "ERP", "lifetime_days": value}),
        )
    # An empty post shows the blank form again (200), as a first visit does.
    probe("token page without fields", lambda: client.post(page, {}), refuse=False)
    probe(
        "token page with lists",
        lambda: client.post(page, {"name": ["a", "b"], "lifetime_days": ["90", "x"]}),
        refuse=False,
    )
    probe(
        "token page invalid UTF-8",
        lambda: client.generic(
            "POST",
            page,
            b"name=%ff%fe&lifetime_days=90",
            content_type="application/x-www-form-urlencoded",
        ),
        refuse=False,
    )
    other = create_token(actor=scene.trader2, name="another company's")[0]
    for pk in [
        str(other.pk),
        "0",
        "999999999",
        "9223372036854775807",
        "9223372036854775808",
        "9" * 40,
    ]:
        probe(f"revoke {pk[:20]}", lambda pk=pk: client.post(f"{page}{pk}/revoke/"))
    for pk in ["-1", "abc", "1.0", "%00"]:
        probe(f"revoke {pk}", lambda pk=pk: client.post(f"{page}{pk}/revoke/"))
    probe.assert_clean(minimum=60)


# --- API banks and payments --------------------------------------------------------------------


def test_api_banks_and_payments(scene):
    probe = Probe("API banks/payments")
    trader, officer, bank = Api(scene.trader), Api(scene.officer), Api(scene.bank)

    check = "/api/v1/bank/check/"
    for raw in inputs.JSON_VALUES:
        probe(
            f"bank check numbers={raw[:30]}",
            bank("POST", check, inputs.with_value({}, "numbers", raw)),
            refuse=False,
        )
    for raw in inputs.JSON_VALUES[::3]:
        probe(
            f"bank check numbers=[{raw[:30]}]",
            bank("POST", check, b'{"numbers": [' + raw.encode() + b"]}"),
            refuse=False,
        )
    probe(
        "bank check 1001 numbers",
        bank("POST", check, json.dumps({"numbers": ["1"] * 1001}).encode()),
    )
    for what, body in inputs.structural_bodies({"numbers": ["x"]}):
        probe(f"bank check: {what}", bank("POST", check, body))
    for what, content in [
        ("binary", b"\x00\xff" * 200),
        ("invalid UTF-8", b"number\n\xff\xfe\n"),
        ("UTF-16", "number\n123\n".encode("utf-16")),
        ("a NUL", b"number\n12\x003\n"),
        ("a huge line", b"number\n" + b"9" * 200_000 + b"\n"),
        ("many lines", b"number\n" + b"1\n" * 2000),
        ("empty", b""),
        ("quotes", b'"unterminated\n'),
    ]:
        probe(
            f"bank check CSV {what}",
            bank.multipart(check, {"file": f.upload(content, "numbers.csv")}),
            refuse=False,
        )

    for value in [
        *inputs.NUMBER_TEXTS,
        "2026-02-30",
        "2026-13-01",
        "0000-01-01",
        "9999-12-31",
        "2026-1-1",
        "20261206",
    ]:
        probe(
            f"statement {value[:20]}",
            bank("GET", f"/api/v1/bank/statements/{value}/"),
            refuse=False,
        )

    present = f"/api/v1/declarations/{scene.released.uuid}/presentations/"
    for raw in inputs.JSON_VALUES[::2]:
        probe(
            f"present bank={raw[:30]}", trader("POST", present, inputs.with_value({}, "bank", raw))
        )

    counter = f"/api/v1/bills/{scene.bill.uuid}/counter-payment/"
    for raw in inputs.JSON_VALUES[1::3]:
        probe(
            f"counter payment receipt_number={raw[:30]}",
            officer(
                "POST",
                counter,
                inputs.with_value({"version": scene.bill.version}, "receipt_number", raw),
            ),
        )
        probe(
            f"counter payment version={raw[:30]}",
            officer("POST", counter, inputs.with_value({"receipt_number": "CR-9"}, "version", raw)),
        )

    confirm = f"/api/v1/payments/{scene.instruction.uuid}/confirm/"
    today = payment_selectors.today()
    good = {
        "bill_number": scene.bill.number,
        "amount": f"{payment_selectors.amount_due(scene.bill, today).total:.2f}",
        "currency": "CNY",
        "bank_reference": "ICBC-1",
        "value_date": today.isoformat(),
    }
    for index, key in enumerate(["bill_number", "amount", "currency", "value_date"]):
        for raw in inputs.JSON_VALUES[index % 3 :: 3]:
            probe(
                f"confirm {key}={raw[:30]}",
                bank("POST", confirm, inputs.with_value(good, key, raw)),
            )
    for raw in ['"-0"', '"-0.00"', "-0", "-0.0"]:
        probe(
            f"confirm amount={raw}", bank("POST", confirm, inputs.with_value(good, "amount", raw))
        )
    for what, body in inputs.structural_bodies(good)[::2]:
        probe(f"confirm: {what}", bank("POST", confirm, body))
    # Any text is a bank's reference (a number too): the first acceptable one confirms the debit.
    for raw in inputs.JSON_VALUES[::3]:
        probe(
            f"confirm bank_reference={raw[:30]}",
            bank("POST", confirm, inputs.with_value(good, "bank_reference", raw)),
            refuse=False,
        )

    financings = "/api/v1/financings/"
    financing = {
        "declaration": str(scene.released.uuid),
        "instrument": "import_payment",
        "amount": "1.00",
        "value_date": today.isoformat(),
        "maturity_date": (today + timedelta(days=90)).isoformat(),
        "bank_reference": "LC-1",
    }
    for index, key in enumerate(financing):
        for raw in inputs.JSON_VALUES[index % 4 :: 4]:
            probe(
                f"financing {key}={raw[:30]}",
                bank(
                    "POST",
                    financings,
                    inputs.with_value({**financing, "bank_reference": lrn()}, key, raw),
                ),
                refuse=False,
            )
    agreements = "/api/v1/agreements/"
    for raw in inputs.JSON_VALUES[::3]:
        probe(
            f"agreement account_number={raw[:30]}",
            trader(
                "POST",
                agreements,
                inputs.with_value({"bank": "ICBKCNBJSHI"}, "account_number", raw),
            ),
            refuse=False,
        )

    @given(body=st.dictionaries(st.sampled_from(list(good)), inputs.json_values))
    @HYPOTHESIS
    def generated(body):
        probe(
            "confirm: generated JSON",
            bank("POST", confirm, json.dumps({**good, **body}).encode()),
            refuse=False,
        )

    generated()
    probe.assert_clean(minimum=250)


# --- Web: the filing form, the officer's move forms, sign-in, language -----------------------


def form_post(**overrides) -> dict:
    data = {key: str(value) for key, value in f.header(lrn=lrn()).items()}
    data.update({f"items-0-{key}": str(value) for key, value in f.item().items()})
    data.update(
        {
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "1",
            "items-MAX_NUM_FORMS": "999",
            "save": "1",
        }
    )
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_web_filing_form(scene):
    probe = Probe("web filing form")
    client = signed_in(scene.trader)
    new = reverse("declarations:new")
    fields = [key for key in form_post() if not key.startswith("items-") or key[6].isdigit()]
    for index, key in enumerate(fields):
        for value in (
            inputs.FORM_VALUES[index % 27 :: 27] + inputs.FORM_VALUES[-1 - index % 13 :: -13][:1]
        ):
            probe(
                f"{key}={value[:30]!r}",
                lambda key=key, value=value: client.post(new, form_post(**{key: value})),
                refuse=False,
                redirect_refuses=True,
            )
        if index % 3 == 0:
            probe(
                f"without {key}",
                lambda key=key: client.post(new, form_post(**{key: None})),
                refuse=False,
            )
    # A count of up to 999 items is the form's own limit: each is a whole form to check and show
    # again, so these stay small here (999 takes tens of seconds, see the census notes).
    for key, values in [
        ("items-TOTAL_FORMS", ["", "-1", "abc", "2", "1e3", "\x00", None]),
        ("items-INITIAL_FORMS", ["-1", "abc", "99999999999999999999", None]),
        ("items-MAX_NUM_FORMS", ["-1", "abc"]),
    ]:
        for value in values:
            probe(
                f"{key}={value!r}",
                lambda key=key, value=value: client.post(new, form_post(**{key: value})),
                refuse=False,
                redirect_refuses=True,
            )
    probe(
        "items-0-DELETE on the only item",
        lambda: client.post(new, form_post(**{"items-0-DELETE": "on"})),
        refuse=False,
    )
    probe(
        "invalid UTF-8 body",
        lambda: client.generic(
            "POST", new, b"lrn=%ff%fe&office=\xff", content_type="application/x-www-form-urlencoded"
        ),
        refuse=False,
    )
    probe(
        "multipart garbage",
        lambda: client.generic(
            "POST", new, b"\x00\xff" * 100, content_type="multipart/form-data; boundary=x"
        ),
        refuse=False,
    )
    probe(
        "a JSON body",
        lambda: client.generic("POST", new, b'{"lrn": "x"}', content_type="application/json"),
        refuse=False,
    )
    edit = reverse("declarations:edit", args=[scene.draft.uuid])
    for value in [*inputs.NUMBER_TEXTS[::3], None]:
        probe(
            f"edit version={value!r}",
            lambda value=value: client.post(edit, form_post(lrn="SCENE-DRAFT", version=value)),
            refuse=False,
            redirect_refuses=True,
        )

    @given(values=st.dictionaries(st.sampled_from(fields), inputs.form_texts, max_size=6))
    @HYPOTHESIS
    def generated(values):
        clean = {key: value.replace("\x00", "") for key, value in values.items()}
        probe("generated form values", lambda: client.post(new, form_post(**clean)), refuse=False)

    generated()
    probe.assert_clean(minimum=60)


def test_web_officer_move_forms(scene):
    probe = Probe("web officer move forms")
    client = signed_in(scene.officer)

    def back_on_its_page(declaration):
        def check(response):
            page = reverse("declarations:detail", args=[declaration.uuid])
            if response.status_code != 302:
                return None
            if response["Location"] != page:
                return f"redirected to {response['Location']}, not back to the declaration"
            if not list(get_messages(response.wsgi_request)):
                return "redirected back without a message saying what happened"
            return None

        return check

    def move(declaration, name, data, refuse=True):
        url = f"/declarations/{declaration.uuid}/actions/{name}/"
        probe(
            f"{name} {data!r}"[:80],
            lambda: client.post(url, data),
            refuse=refuse,
            redirect_refuses=True,
            check=back_on_its_page(declaration),
        )

    for value in [*inputs.NUMBER_TEXTS[::2], *inputs.FORM_VALUES[::2]]:
        move(scene.waiting, "take", {"version": value})
        move(scene.taken, "query", {"version": value, "text": "Show the invoice."})
    for value in inputs.FORM_VALUES[1::2]:
        version = str(version_of(scene.taken))
        move(scene.taken, "assess", {"version": version, "text": "x", "correction_line": value})
        move(
            scene.taken,
            "assess",
            {"version": version, "text": "x", "correction_line": "1", "correction_hs_code": value},
        )
        move(
            scene.taken,
            "assess",
            {
                "version": version,
                "text": "x",
                "correction_line": "1",
                "correction_invoice_value": value,
            },
            refuse=False,  # "1e3" and other digits are numbers: a correction, then assessed
        )
    for name in ["no-such-move", "edit", "attach", "pay", "%00", "😀", "a" * 300]:
        move(scene.taken, name, {"version": str(version_of(scene.taken))})
    move(
        scene.taken,
        "query",
        {"version": [str(version_of(scene.taken)), "1"], "text": ["a", "b"]},
        refuse=False,
    )
    for value in inputs.FORM_VALUES:
        move(
            scene.taken,
            "query",
            {"version": str(version_of(scene.taken)), "text": value},
            refuse=False,
        )
    probe.assert_clean(minimum=100)


def test_login_form(scene):
    probe = Probe("login form")
    url = reverse("accounts:login")

    def sign_in():
        # Django's sign-in page shows a refused sign-in again with 200 and the form's error.
        client = Client(raise_request_exception=True)

        def refused_with_a_message(response):
            if client.session.get("_auth_user_id"):
                return "signed in"
            if response.status_code == 200 and not response.context["form"].errors:
                return "shown again without saying what is wrong"
            return None

        return client, refused_with_a_message

    def login(data, label):
        client, check = sign_in()
        probe(label, lambda: client.post(url, data), refuse=False, check=check)

    def login_raw(label, body, content_type):
        client, check = sign_in()
        send = lambda: client.generic("POST", url, body, content_type=content_type)  # noqa: E731
        probe(label, send, refuse=False, check=check)

    for value in [*inputs.FORM_VALUES[::2], "trader", "x" * 256, "x" * 257, "trader\x00", "TRADER"]:
        login({"username": value, "password": "wrong"}, f"username={value[:30]!r}")
        login({"username": "trader", "password": value}, f"password={value[:30]!r}")
    login({}, "no fields")
    login({"username": ["trader", "officer"], "password": ["a", "b"]}, "lists")
    for next_url in [
        "//evil.example",
        "javascript:alert(1)",
        "\\\\evil",
        "/%00",
        "http://evil",
        "x" * 5000,
    ]:
        login(
            {"username": "trader", "password": "wrong", "next": next_url}, f"next={next_url[:30]!r}"
        )
    for label, body, content_type in [
        ("invalid UTF-8 body", b"username=%ff&password=\xff", "application/x-www-form-urlencoded"),
        ("multipart garbage", b"\x00\xff" * 100, "multipart/form-data; boundary=x"),
    ]:
        login_raw(label, body, content_type)

    @given(username=inputs.form_texts, password=st.text(max_size=40))
    @HYPOTHESIS
    def generated(username, password):
        login({"username": username, "password": password}, "generated credentials")

    generated()
    probe.assert_clean(minimum=50)


def test_language_switch(scene):
    probe = Probe("language switch")
    url = reverse("web:set_language")

    def safe_redirect(response):
        location = response.get("Location", "")
        if response.status_code in (301, 302, 303) and (
            location.startswith("//")
            or "://" in location
            or location.startswith("\\")
            or "evil" in location
        ):
            return f"redirects off the site: {location!r}"
        if response.cookies.get("django_language") and response.cookies[
            "django_language"
        ].value not in {"en", "zh-hans"}:
            return f"language cookie set to {response.cookies['django_language'].value!r}"
        return None

    values = [*inputs.FORM_VALUES, "en", "zh-hans", "ZH-HANS", "zh", "de", "en\x00", "../en"]
    for value in values:
        probe(
            f"language={value[:30]!r}",
            lambda value=value: Client(raise_request_exception=True).post(
                url, {"language": value, "next": "/"}
            ),
            refuse=False,
            check=safe_redirect,
        )
    for next_url in [
        *inputs.FORM_VALUES,
        "//evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "\\\\evil.example",
        "/\\evil.example",
        "/%0d%0aSet-Cookie:x=1",
        "/ledger/keys",
    ]:
        probe(
            f"next={next_url[:30]!r}",
            lambda next_url=next_url: Client(raise_request_exception=True).post(
                url, {"language": "en", "next": next_url}
            ),
            refuse=False,
            check=safe_redirect,
        )
    client = signed_in(scene.trader)
    for value in values:
        probe(
            f"signed in language={value[:30]!r}",
            lambda value=value: client.post(url, {"language": value}),
            refuse=False,
            check=safe_redirect,
            unsaved=("users",),
        )
    probe(
        "GET",
        lambda: Client(raise_request_exception=True).get(url, {"language": "en"}),
        refuse=False,
    )
    probe(
        "invalid UTF-8",
        lambda: Client(raise_request_exception=True).generic(
            "POST", url, b"language=%ff&next=\xff", content_type="application/x-www-form-urlencoded"
        ),
        refuse=False,
        check=safe_redirect,
    )
    probe.assert_clean(minimum=80)


# --- Public: /verify/ and /ledger/ -------------------------------------------------------------


def test_verify_receipt_check(scene):
    probe = Probe("/verify/ receipt check")
    url = reverse("audit:verify")
    client = Client(raise_request_exception=True)
    receipt_entry = Entry.objects.filter(action="declaration.released").first()

    def invalid_verdict(response):
        answered_json = response.get("Content-Type", "").startswith("application/json")
        if response.status_code == 200 and answered_json and response.json().get("valid"):
            return "a malformed receipt was found valid"
        return None

    def post_json(label, body: bytes):
        probe(
            label,
            lambda: client.generic(
                "POST", url, body, content_type="application/json", HTTP_ACCEPT="application/json"
            ),
            refuse=False,
            check=invalid_verdict,
        )

    good = {"version": 1, "entry": "AA==", "leaf_index": 0, "tree_size": 1}
    for index, raw in enumerate(inputs.JSON_VALUES):
        for key in list(good)[index % 2 :: 2]:
            post_json(f"receipt {key}={raw[:30]}", inputs.with_value(good, key, raw))
    for what, body in inputs.structural_bodies(good):
        post_json(f"receipt: {what}", body)
    for value in inputs.FORM_VALUES:
        probe(
            f"pasted {value[:30]!r}",
            lambda value=value: client.post(url, {"receipt": value}),
            refuse=False,
            check=invalid_verdict,
        )
    for what, content in [
        ("binary", b"\x00\xff" * 100),
        ("empty", b""),
        ("over 1 MB", b" " * (1024 * 1024 + 10)),
        ("invalid UTF-8", b'{"entry": "\xff"}'),
        ("UTF-16", json.dumps(good).encode("utf-16")),
    ]:
        probe(
            f"receipt file {what}",
            lambda content=content: client.post(
                url, {"receipt_file": f.upload(content, "receipt.json")}
            ),
            refuse=False,
            check=invalid_verdict,
        )
    for seq in inputs.NUMBER_TEXTS:
        probe(
            f"link seq={seq[:20]!r}",
            lambda seq=seq: client.get(url, {"seq": seq, "entry": "a" * 64}),
        )
    for entry in ["", "zz" * 32, "A" * 64, "a" * 63, "a" * 65, "\x00" * 64, "😀" * 64]:
        probe(
            f"link entry={entry[:10]!r}",
            lambda entry=entry: client.get(url, {"seq": str(receipt_entry.seq), "entry": entry}),
        )

    @given(body=inputs.json_values)
    @HYPOTHESIS
    def generated(body):
        post_json("generated JSON", json.dumps(body).encode())

    generated()
    probe.assert_clean(minimum=150)


def test_ledger_public_surface(scene):
    probe = Probe("/ledger/ public surface")
    client = Client(raise_request_exception=True)
    auditor = signed_in(scene.auditor)
    size = str(Checkpoint.objects.order_by("-size").first().size)
    for value in inputs.NUMBER_TEXTS:
        probe(
            f"inclusion index={value!r}",
            lambda value=value: client.get(
                "/ledger/proof/inclusion", {"index": value, "tree_size": size}
            ),
            refuse=False,
        )
        probe(
            f"inclusion tree_size={value!r}",
            lambda value=value: client.get(
                "/ledger/proof/inclusion", {"index": "0", "tree_size": value}
            ),
            refuse=False,
        )
        probe(
            f"consistency old_size={value!r}",
            lambda value=value: client.get(
                "/ledger/proof/consistency", {"old_size": value, "new_size": size}
            ),
            refuse=False,
        )
        probe(
            f"consistency new_size={value!r}",
            lambda value=value: client.get(
                "/ledger/proof/consistency", {"old_size": "1", "new_size": value}
            ),
            refuse=False,
        )
        probe(
            f"checkpoint/{value!r}",
            lambda value=value: client.get(f"/ledger/checkpoint/{value}"),
            refuse=False,
        )
        probe(
            f"entries/{value!r} as auditor",
            lambda value=value: auditor.get(f"/ledger/entries/{value}"),
            refuse=False,
        )
        probe(
            f"tile/0/{value!r}",
            lambda value=value: client.get(f"/ledger/tile/0/{value}"),
            refuse=False,
        )
        probe(
            f"tile/0/000.p/{value!r}",
            lambda value=value: client.get(f"/ledger/tile/0/000.p/{value}"),
            refuse=False,
        )
        probe(
            f"tile/{value!r}/000",
            lambda value=value: client.get(f"/ledger/tile/{value}/000"),
            refuse=False,
        )
        probe(
            f"tile/entries/{value!r} as auditor",
            lambda value=value: auditor.get(f"/ledger/tile/entries/{value}"),
            refuse=False,
        )
    for query in [
        {},
        {"index": "0"},
        {"index": ["0", "1"], "tree_size": [size, "1"]},
        {"index": "0", "tree_size": size, "extra": "\x00"},
    ]:
        probe(
            f"inclusion {query!r}"[:60],
            lambda query=query: client.get("/ledger/proof/inclusion", query),
            refuse=False,
        )
    for path in [
        "x001/002",
        "0/x001/002",
        "0/-1",
        "0/001.p/0",
        "0/001.p/256",
        "0/001.p/",
        "99/000",
        "0/" + "x999/" * 50 + "000",
        "../../etc/passwd",
        "0/000.p/1/extra",
    ]:
        probe(
            f"tile/{path[:30]}", lambda path=path: client.get(f"/ledger/tile/{path}"), refuse=False
        )
        probe(
            f"tile/entries/{path[:30]}",
            lambda path=path: client.get(
                f"/ledger/tile/entries/{path}", HTTP_AUTHORIZATION="Bearer \x00"
            ),
            refuse=False,
        )

    @given(
        index=st.integers(min_value=-(2**70), max_value=2**70),
        tree_size=st.integers(min_value=-(2**70), max_value=2**70),
    )
    @HYPOTHESIS
    def generated(index, tree_size):
        probe(
            "inclusion generated numbers",
            lambda: client.get(
                "/ledger/proof/inclusion", {"index": str(index), "tree_size": str(tree_size)}
            ),
            refuse=False,
        )
        probe(
            "consistency generated numbers",
            lambda: client.get(
                "/ledger/proof/consistency", {"old_size": str(index), "new_size": str(tree_size)}
            ),
            refuse=False,
        )

    generated()
    probe.assert_clean(minimum=250)
