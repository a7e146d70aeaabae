"""Redis stopped: filing, /verify/ and "verify now" still answer; the run waits in the outbox and
runs once Redis is back and a worker starts. Real Redis, PostgreSQL and Celery worker."""

import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from eport.audit.models import VerificationRun
from eport.audit.reconcile import reconcile_declarations
from eport.declarations.models import Declaration
from eport.outbox import services as outbox
from ledger import notary
from tests.api.test_lifecycle import file_ready, move, pay_at_counter
from tests.audit.support import release_receipt
from tests.declarations.test_pages import form_post

from . import servers

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_with_redis_down_filing_and_verification_answer_and_the_run_is_sent_when_it_is_back(
    services, world, ledger_keys, var_dir, worker
):
    trader, officer = world.client(world.trader), world.client(world.officer)
    pages, auditor = signed_in(world.trader), signed_in(world.auditor)

    with servers.redis_stopped(services):
        assert not servers.redis_answers()
        # Filing through the pages and through the API, to release.
        filed = pages.post(reverse("declarations:new"), form_post(lrn="PAGE-NO-REDIS"))
        assert filed.status_code == 302, filed.content.decode()[:2000]
        declaration = move(trader, file_ready(trader, lrn="API-NO-REDIS", origin="DE"), "submit")
        assert declaration.status_code == 200, declaration.json()
        assert pay_at_counter(officer, declaration.json(), "CR-NO-REDIS")["status"] == "released"
        # The public receipt check answers (its rate limit counts in this process meanwhile).
        notary.notarize_pending(cosign="inline")
        released = Declaration.objects.get(lrn="API-NO-REDIS")
        checked = Client().post(
            reverse("audit:verify"), {"receipt": json.dumps(release_receipt(released))}
        )
        assert checked.status_code == 200
        assert "Valid: this entry is in the notarized ledger" in checked.content.decode()
        # "Verify now" commits the run and its task, and says the run waits for the queue.
        started = auditor.post(reverse("audit:verification_start"), {"kind": "full"})
        assert started.status_code == 302
        run = VerificationRun.objects.get()
        page = auditor.get(started["Location"])
        assert page.status_code == 200
        assert "the task queue cannot be reached just now" in page.content.decode()
        assert outbox.is_pending("audit.run_verification", run.pk)
        # Asking again shows the same run, not a second one.
        assert (
            auditor.post(reverse("audit:verification_start"), {"kind": "full"})["Location"]
            == started["Location"]
        )
        assert VerificationRun.objects.count() == 1

    # Redis is back (empty: it keeps nothing on disk); a worker starting sends what waited.
    running = worker()
    running.wait_for(
        lambda: VerificationRun.objects.get(pk=run.pk).is_finished, what="the run to finish"
    )
    run.refresh_from_db()
    assert run.status == "passed", run.summary
    assert run.declarations_checked == 2
    assert outbox.pending_count() == 0
    assert Declaration.objects.filter(lrn__in=["PAGE-NO-REDIS", "API-NO-REDIS"]).count() == 2
    call_command("verify_ledger")
    assert reconcile_declarations().ok
