"""The pages: the queue, the review with its sign form (and the meaning shown), the assessment page."""

from governance.models import Review, SignOff
from tests.governance.helpers import LOW_ANSWERS, PASSWORD, person, signer_for


def login(client, user):
    client.force_login(user)
    return client


def test_the_queue_shows_what_waits_for_my_functions(pending, client):
    validator = signer_for("validation")
    page = login(client, validator).get("/governance/reviews/")
    assert page.status_code == 200
    assert "fraud-scorer v1" in page.content.decode() and "Validation" in page.content.decode()
    queue = page.content.decode().split('data-testid="queue-counts"')[1]
    assert "Validation" in queue.split("</nav>")[0]  # grouped by the functions the reader holds, with counts
    nobody = login(client, person("reader", "executive")).get("/governance/reviews/")
    assert "you hold no sign-off function" in nobody.content.decode()


def test_signing_from_the_review_page_shows_the_meaning_and_needs_the_password(pending, client):
    review = Review.objects.get(version=pending)
    validator = signer_for("validation")
    login(client, validator)
    page = client.get(f"/governance/reviews/{review.pk}/").content.decode()
    assert "I approve this model version for production use as Validation" in page
    assert 'value="business"' not in page  # only functions the signer holds
    refused = client.post(
        f"/governance/reviews/{review.pk}/", {"function": "validation", "decision": "approve", "password": "no"}
    )
    assert "password is wrong" in refused.content.decode() and not SignOff.objects.exists()
    ok = client.post(
        f"/governance/reviews/{review.pk}/", {"function": "validation", "decision": "approve", "password": PASSWORD}
    )
    assert ok.status_code == 302 and SignOff.objects.get().signer == validator


def test_a_validator_of_the_developing_unit_is_told_why_and_cannot_post_a_signature(pending, client, units):
    review = Review.objects.get(version=pending)
    insider = signer_for("validation", units=(units["RETAIL"],))
    login(client, insider)
    page = client.get(f"/governance/reviews/{review.pk}/").content.decode()
    assert "Independent validation: you are a member of Retail" in page
    assert 'data-testid="sign-form"' not in page
    posted = client.post(
        f"/governance/reviews/{review.pk}/", {"function": "validation", "decision": "approve", "password": PASSWORD}
    )
    assert posted.status_code != 302 and not SignOff.objects.exists()
    queue = (
        client.get("/governance/reviews/").content.decode().split('data-testid="review-queue"')[1].split("</table>")[0]
    )
    assert "Nothing waits for Validation" in queue


def test_the_assessment_page_answers_submits_and_is_approved_by_another(use_case, client):
    author, approver = person("author", "review_board"), person("approver", "review_board")
    url = f"/governance/use-cases/{use_case.pk}/assessment/"
    form = {k: ("yes" if v else "no") if isinstance(v, bool) else v for k, v in LOW_ANSWERS.items()}
    form["annex_iii_areas"] = ["employment"]
    login(client, author).post(url, {**form, "step": "save"})
    page = client.get(url).content.decode()
    assert "High risk" in page and "Employment: recruitment" in page  # category and its reason
    client.post(url, {"step": "submit"})
    assert 'data-testid="approve"' not in client.get(url).content.decode()  # the author cannot approve
    login(client, approver).post(url, {"step": "approve"})
    use_case.refresh_from_db()
    assert use_case.risk_tier == "high"


def test_findings_are_raised_answered_and_closed_from_the_review_page(pending, ds, client):
    from governance.models import Finding

    review = Review.objects.get(version=pending)
    url = f"/governance/reviews/{review.pk}/"
    validator = signer_for("validation")
    login(client, validator).post(url, {"step": "raise", "severity": "high", "description": "No drift test."})
    finding = Finding.objects.get()
    login(client, ds)
    assert 'data-testid="respond-form"' in client.get(url).content.decode()
    client.post(url, {"step": "respond", "finding": finding.pk, "response": "Added one."})
    login(client, validator).post(url, {"step": "close", "finding": finding.pk})
    finding.refresh_from_db()
    assert (finding.status, finding.response) == ("closed", "Added one.")
    login(client, ds).post(url, {"step": "raise", "severity": "low", "description": "Self-review."})
    assert Finding.objects.count() == 1  # the developer may not raise findings on their own version
