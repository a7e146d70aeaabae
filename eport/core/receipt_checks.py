"""A receipt's checks in the reader's language, for every page that shows them (/verify/, the
auditor's receipts, the bank's verdict).

``ledger.verify_receipt`` stays free of eport and writes its findings in English; they are also
the JSON answer's text, which stays as it is. The page recognises the verifier's own sentences and
says them again in the active language. A detail it does not recognise (an exception's message,
say), or one whose sentence has no translation, is shown as the verifier wrote it.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext, gettext_noop, pgettext_lazy

# The checks' names are the verifier's stable identifiers (ledger.verify_receipt, the JSON answer);
# pages show them in the reader's language.
CHECK_LABELS = {
    "keys": pgettext_lazy("receipt check", "keys"),
    "format": pgettext_lazy("receipt check", "format"),
    "checkpoint": pgettext_lazy("receipt check", "checkpoint"),
    "ledger signature": pgettext_lazy("receipt check", "ledger signature"),
    "witnesses": pgettext_lazy("receipt check", "witnesses"),
    "tree size": pgettext_lazy("receipt check", "tree size"),
    "inclusion": pgettext_lazy("receipt check", "inclusion"),
    "entry": pgettext_lazy("receipt check", "entry"),
    "subject": pgettext_lazy("receipt check", "subject"),
}


def _sentence(msgid: str, values: dict[str, str], original: str) -> str:
    """``msgid`` translated and filled in; the original text if there is no translation."""
    translated = gettext(msgid)
    if translated == msgid:
        return original
    return translated % values


WITNESSES_SIGNED = gettext_noop(
    "%(signed)s of %(total)s trusted witnesses signed, quorum %(quorum)s"
)
BAD_SIGNATURE = gettext_noop("signature by %(keys)s does not verify")

# Translators: the sentences below are what the receipt verifier found, one per check on /verify/.
# (check name, the verifier's sentence as a pattern, its message id)
SENTENCES: list[tuple[str, re.Pattern, str]] = [
    (
        "keys",
        re.compile(r"(?P<count>\d+) trusted: (?P<names>.*)"),
        gettext_noop("%(count)s trusted: %(names)s"),
    ),
    (
        "keys",
        re.compile(r"no trusted verifier keys given"),
        gettext_noop("no trusted verifier keys given"),
    ),
    (
        "format",
        re.compile(r"(?P<format>\S+), entry (?P<index>\d+) of a tree of size (?P<size>\d+)"),
        gettext_noop("%(format)s, entry %(index)s of a tree of size %(size)s"),
    ),
    (
        "checkpoint",
        re.compile(
            r"origin (?P<origin>.+), size (?P<size>\d+), root (?P<root>[0-9a-f]+), "
            r"(?P<count>\d+) signature line\(s\)"
        ),
        gettext_noop(
            "origin %(origin)s, size %(size)s, root %(root)s, %(count)s signature line(s)"
        ),
    ),
    ("ledger signature", re.compile(r"signed by (?P<name>.+)"), gettext_noop("signed by %(name)s")),
    (
        "ledger signature",
        re.compile(r"checkpoint origin (?P<origin>'.*') is not the ledger (?P<ledger>'.*')"),
        gettext_noop("checkpoint origin %(origin)s is not the ledger %(ledger)s"),
    ),
    (
        "ledger signature",
        re.compile(r"no trusted key named (?P<name>'.*') \(the ledger's key\)"),
        gettext_noop("no trusted key named %(name)s (the ledger's key)"),
    ),
    (
        "ledger signature",
        re.compile(r"signature by (?P<keys>.+) does not verify"),
        BAD_SIGNATURE,
    ),
    (
        "ledger signature",
        re.compile(r"no signature by the ledger key (?P<name>.+)"),
        gettext_noop("no signature by the ledger key %(name)s"),
    ),
    (
        "witnesses",
        re.compile(r"quorum must not be negative, got (?P<quorum>-?\d+)"),
        gettext_noop("quorum must not be negative, got %(quorum)s"),
    ),
    (
        "tree size",
        re.compile(r"receipt tree_size (?P<receipt>\d+), checkpoint size (?P<checkpoint>\d+)"),
        gettext_noop("receipt tree_size %(receipt)s, checkpoint size %(checkpoint)s"),
    ),
    (
        "inclusion",
        re.compile(
            r"leaf (?P<leaf>[0-9a-f]+) at index (?P<index>\d+) leads to the checkpoint root"
        ),
        gettext_noop("leaf %(leaf)s at index %(index)s leads to the checkpoint root"),
    ),
    (
        "inclusion",
        re.compile(
            r"proof for entry (?P<index>\d+) leads to root (?P<root>[0-9a-f]+), "
            r"checkpoint root is (?P<expected>[0-9a-f]+)"
        ),
        gettext_noop(
            "proof for entry %(index)s leads to root %(root)s, checkpoint root is %(expected)s"
        ),
    ),
    (
        "entry",
        re.compile(r"canonical RFC 8785, seq (?P<seq>\d+), SHA-256 (?P<hash>[0-9a-f]+)"),
        gettext_noop("canonical RFC 8785, seq %(seq)s, SHA-256 %(hash)s"),
    ),
    (
        "entry",
        re.compile(r"entry bytes are not the RFC 8785 canonical encoding"),
        gettext_noop("entry bytes are not the RFC 8785 canonical encoding"),
    ),
    (
        "entry",
        re.compile(r"entry seq (?P<seq>.+) is not the receipt index (?P<index>\d+)"),
        gettext_noop("entry seq %(seq)s is not the receipt index %(index)s"),
    ),
    (
        "subject",
        re.compile(r"subject digest equals the entry's data\.state (?P<state>\S+)"),
        gettext_noop("subject digest equals the entry's data.state %(state)s"),
    ),
    (
        "subject",
        re.compile(r"the entry has no data\.state to compare the subject with"),
        gettext_noop("the entry has no data.state to compare the subject with"),
    ),
    (
        "subject",
        re.compile(r"subject digest (?P<digest>\S+) is not the entry's data\.state (?P<state>\S+)"),
        gettext_noop("subject digest %(digest)s is not the entry's data.state %(state)s"),
    ),
]

# The witnesses' detail: a count, then the names that signed and the untrusted lines, if any.
WITNESS_COUNT = re.compile(
    r"(?P<signed>\d+) of (?P<total>\d+) trusted witnesses signed, quorum (?P<quorum>\d+)"
    r"(?: \((?P<names>[^)]*)\))?(?:; (?P<untrusted>\d+) signature\(s\) by untrusted keys ignored)?"
)
BAD_WITNESS = re.compile(r"signature by (?P<keys>.+?) does not verify; (?P<rest>.*)")


def _witnesses(detail: str) -> str:
    bad = BAD_WITNESS.fullmatch(detail)
    if bad:
        rest = _witnesses(bad["rest"])
        prefix = _sentence(BAD_SIGNATURE, {"keys": bad["keys"]}, "")
        if not prefix or rest == bad["rest"]:
            return detail
        return gettext("%(first)s; %(second)s") % {"first": prefix, "second": rest}
    match = WITNESS_COUNT.fullmatch(detail)
    if not match:
        return detail
    text = _sentence(
        WITNESSES_SIGNED,
        {"signed": match["signed"], "total": match["total"], "quorum": match["quorum"]},
        "",
    )
    if not text:
        return detail
    if match["names"] is not None:
        text = gettext("%(text)s (%(names)s)") % {"text": text, "names": match["names"]}
    if match["untrusted"] is not None:
        text = gettext("%(text)s; %(count)s signature(s) by untrusted keys ignored") % {
            "text": text,
            "count": match["untrusted"],
        }
    return text


def translated_detail(name: str, detail: str) -> str:
    """The detail of the check ``name`` in the active language, or as written if unknown."""
    if name == "witnesses" and not detail.startswith("quorum"):
        return _witnesses(detail)
    for check, pattern, msgid in SENTENCES:
        if check != name:
            continue
        match = pattern.fullmatch(detail)
        if match:
            return _sentence(msgid, match.groupdict(), detail)
    return detail


# Why the ledger cannot make a receipt (ledger.receipts.ReceiptUnavailable), as it says it.
RECEIPT_PROBLEMS: list[tuple[re.Pattern, str]] = [
    (
        re.compile(
            r"the ledger has no notarized checkpoint yet; receipts exist once the first "
            r"checkpoint carries the witnesses' quorum"
        ),
        gettext_noop(
            "the ledger has no notarized checkpoint yet; receipts exist once the first "
            "checkpoint carries the witnesses' quorum"
        ),
    ),
    (
        re.compile(
            r"entry (?P<seq>\d+) is not in a notarized checkpoint yet \(the latest covers entries "
            r"0–(?P<last>-?\d+)\); it will be in the next one"
        ),
        gettext_noop(
            "entry %(seq)s is not in a notarized checkpoint yet (the latest covers entries "
            "0–%(last)s); it will be in the next one"
        ),
    ),
    (re.compile(r"there is no entry (?P<seq>\d+)"), gettext_noop("there is no entry %(seq)s")),
    (
        re.compile(r"there is no notarized checkpoint of size (?P<size>\d+)"),
        gettext_noop("there is no notarized checkpoint of size %(size)s"),
    ),
]


def receipt_problem(problem: Exception | str) -> str:
    """Why a receipt cannot be made, in the active language (as the ledger said it if unknown)."""
    text = str(problem)
    for pattern, msgid in RECEIPT_PROBLEMS:
        match = pattern.fullmatch(text)
        if match:
            return _sentence(msgid, match.groupdict(), text)
    return text


def shown_checks(checks) -> list[dict]:
    """The verifier's checks as pages show them: name (stable), label and detail in the reader's
    language, and whether each passed."""
    return [
        {
            "name": check.name,
            "label": CHECK_LABELS.get(check.name, check.name),
            "ok": check.ok,
            "detail": translated_detail(check.name, check.detail),
        }
        for check in checks
    ]
