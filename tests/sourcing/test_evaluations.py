"""Technology evaluations beside vendors: evaluated tools and platforms with their cost-benefit and lock-in,
sandbox trials, the decision (adopting needs a passed trial or a stated reason) and the approved standards
and reference architectures that follow; every write checked and audited."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from audit.models import AuditEvent
from core.exceptions import ApplicationError, Conflict, NotAllowed
from sourcing import services
from sourcing.models import ApprovedStandard, SandboxTrial, TechnologyEvaluation
from tests.governance.helpers import person

TODAY = date.today()
NEXT_YEAR = TODAY + timedelta(days=365)


@pytest.fixture
def board(units):
    return person("board", "review_board", units=(units["OPS"],))


@pytest.fixture
def pm(units):
    return person("pm", "program_manager", units=(units["RETAIL"],))


@pytest.fixture
def evaluation(ds):
    return services.evaluation_create(
        actor=ds,
        name="Feast",
        category="feature_store",
        build_or_buy="buy",
        licence_model="open_source",
        one_off_cost="60000",
        annual_cost="20000",
        annual_benefit="100000",
        lock_in_risk="low",
        lock_in_notes="Open formats; offline store on our own object storage.",
    )


def _passed_trial(actor, evaluation):
    trial = services.trial_start(
        actor=actor, evaluation=evaluation, start=TODAY, end=TODAY + timedelta(days=30), goals="Serve 3 models."
    )
    return services.trial_close(actor=actor, trial=trial, outcome="pass", findings="p99 latency 8 ms.")


def test_an_evaluation_shows_its_cost_benefit_and_is_audited(evaluation, ds):
    assert (evaluation.status, evaluation.owner, evaluation.net_annual_benefit) == ("proposed", ds, Decimal("80000"))
    assert evaluation.payback_months == 9.0  # 60 000 repaid by 80 000 a year
    evaluation = services.evaluation_update(actor=ds, evaluation=evaluation, annual_cost="100000")
    assert evaluation.payback_months is None  # no net benefit: it never pays back
    event = AuditEvent.objects.get(action="evaluation.updated")
    assert event.changes["annual_cost"] == ["20000.00", "100000.00"]


def test_trial_refusals_and_the_trial_lifecycle(evaluation, ds, pm):
    with pytest.raises(ApplicationError, match=r"end: a trial ends after it starts"):
        services.trial_start(actor=ds, evaluation=evaluation, start="2026-05-10", end="2026-05-01", goals="x")
    with pytest.raises(ApplicationError, match="goals: say what the trial must show"):
        services.trial_start(actor=ds, evaluation=evaluation, start=TODAY, end=NEXT_YEAR, goals=" ")
    with pytest.raises(NotAllowed, match="run sandbox trials"):
        services.trial_start(actor=pm, evaluation=evaluation, start=TODAY, end=NEXT_YEAR, goals="x")
    assert not SandboxTrial.objects.exists()
    trial = services.trial_start(actor=ds, evaluation=evaluation, start=TODAY, end=NEXT_YEAR, goals="Serve 3 models.")
    evaluation.refresh_from_db()
    assert evaluation.status == "in_trial"
    with pytest.raises(Conflict, match="still running"):
        services.trial_start(actor=ds, evaluation=evaluation, start=TODAY, end=NEXT_YEAR, goals="again")
    with pytest.raises(ApplicationError, match="findings: say what the trial found"):
        services.trial_close(actor=ds, trial=trial, outcome="pass", findings="")
    with pytest.raises(ApplicationError, match="outcome: use one of"):
        services.trial_close(actor=ds, trial=trial, outcome="great", findings="ok")
    services.trial_close(actor=ds, trial=trial, outcome="fail", findings="Online store too slow.")
    with pytest.raises(Conflict, match="already closed"):
        services.trial_close(actor=ds, trial=trial, outcome="pass", findings="retry")
    assert AuditEvent.objects.filter(action__startswith="evaluation.trial_").count() == 2


def test_deciding_needs_rationale_permission_and_for_adopt_a_passed_trial(evaluation, ds, board):
    with pytest.raises(NotAllowed, match="Only the review board decides"):
        services.evaluation_decide(actor=ds, evaluation=evaluation, decision="adopt", rationale="Fast.")
    with pytest.raises(ApplicationError, match="rationale: say why"):
        services.evaluation_decide(actor=board, evaluation=evaluation, decision="reject", rationale="")
    with pytest.raises(ApplicationError, match="adopting needs a passed sandbox trial"):
        services.evaluation_decide(actor=board, evaluation=evaluation, decision="adopt", rationale="Fast.")
    trial = services.trial_start(actor=ds, evaluation=evaluation, start=TODAY, end=NEXT_YEAR, goals="Serve.")
    with pytest.raises(Conflict, match="close it with its outcome before deciding"):
        services.evaluation_decide(actor=board, evaluation=evaluation, decision="reject", rationale="No.")
    services.trial_close(actor=ds, trial=trial, outcome="inconclusive", findings="Too little traffic.")
    with pytest.raises(ApplicationError, match="trial_waiver"):
        services.evaluation_decide(actor=board, evaluation=evaluation, decision="adopt", rationale="Fast.")
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.decision) == ("in_trial", "")
    _passed_trial(ds, evaluation)
    decided = services.evaluation_decide(actor=board, evaluation=evaluation, decision="adopt", rationale="Fast.")
    assert (decided.status, decided.decision, decided.decided_by) == ("decided", "adopt", board)
    event = AuditEvent.objects.get(action="evaluation.decided")
    assert event.reason == "Fast." and event.changes["decision"] == ["", "adopt"]
    with pytest.raises(Conflict, match="already decided"):
        services.evaluation_decide(actor=board, evaluation=evaluation, decision="reject", rationale="Changed.")
    with pytest.raises(Conflict, match="record a new evaluation"):
        services.evaluation_update(actor=ds, evaluation=evaluation, annual_cost="1")


def test_adopting_without_a_trial_needs_an_explicit_reason(evaluation, board):
    decided = services.evaluation_decide(
        actor=board,
        evaluation=evaluation,
        decision="adopt",
        rationale="Already the group standard elsewhere.",
        trial_waiver="Run in production by the card unit for two years.",
    )
    assert decided.trial_waiver.startswith("Run in production")


def test_an_adopted_evaluation_publishes_an_approved_standard(evaluation, ds, board):
    with pytest.raises(Conflict, match="only an adopted evaluation publishes"):
        services.standard_approve(
            actor=board, name="Features", kind="standard", description="x", review_date=NEXT_YEAR, evaluation=evaluation
        )
    _passed_trial(ds, evaluation)
    services.evaluation_decide(actor=board, evaluation=evaluation, decision="adopt", rationale="Fast and open.")
    with pytest.raises(NotAllowed, match="Only the review board approves standards"):
        services.standard_approve(actor=ds, name="Features", kind="standard", description="x", review_date=NEXT_YEAR)
    with pytest.raises(ApplicationError, match="review_date: a standard is next reviewed in the future"):
        services.standard_approve(actor=board, name="Features", kind="standard", description="x", review_date=TODAY)
    standard = services.standard_approve(
        actor=board,
        name="Feature serving reference architecture",
        kind="reference_architecture",
        description="Every online model reads features from Feast.",
        review_date=NEXT_YEAR,
        evaluation=evaluation,
    )
    assert (standard.status, standard.approved_by, standard.evaluation) == ("approved", board, evaluation)
    with pytest.raises(ApplicationError, match="exists already"):
        services.standard_approve(
            actor=board, name=standard.name.upper(), kind="standard", description="x", review_date=NEXT_YEAR
        )
    with pytest.raises(ApplicationError, match="reason: say why"):
        services.standard_retire(actor=board, standard=standard, reason="")
    services.standard_retire(actor=board, standard=standard, reason="Replaced by the platform team's store.")
    with pytest.raises(Conflict, match="retired"):
        services.standard_update(actor=board, standard=standard, description="y")
    assert list(
        AuditEvent.objects.filter(target_type="sourcing.approvedstandard")
        .order_by("seq")
        .values_list("action", flat=True)
    ) == [
        "standard.approved",
        "standard.retired",
    ]


def test_evaluation_api_round_trip_and_no_mass_assignment(ds, board, api, make_user):
    created = api(ds).post(
        "/api/v1/technology-evaluations/",
        {
            "name": "LabelHub",
            "category": "labelling",
            "one_off_cost": "1200.00",
            "annual_cost": "0",
            "annual_benefit": "2400",
            "status": "decided",
            "decision": "adopt",
            "decided_by": board.pk,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["decision"], body["decided_by"], body["payback_months"]) == ("proposed", "", None, 6.0)
    pk = body["id"]
    patched = api(ds).patch(
        f"/api/v1/technology-evaluations/{pk}/",
        {"lock_in_risk": "high", "status": "decided", "decision": "adopt", "rationale": "sneaky"},
        format="json",
    )
    assert patched.status_code == 200 and patched.json()["lock_in_risk"] == "high"
    evaluation = TechnologyEvaluation.objects.get(pk=pk)
    assert (evaluation.status, evaluation.decision, evaluation.rationale) == ("proposed", "", "")
    assert (
        api(make_user("pm2", "program_manager")).post("/api/v1/technology-evaluations/", {"name": "x"}).status_code
        == 403
    )
    refused = api(board).post(f"/api/v1/technology-evaluations/{pk}/decide/", {"decision": "adopt", "rationale": "ok"})
    assert refused.status_code == 400 and "passed sandbox trial" in refused.json()["detail"]
    trial = api(ds).post(
        "/api/v1/sandbox-trials/", {"evaluation": pk, "start": "2026-03-10", "end": "2026-03-01", "goals": "x"}
    )
    assert trial.status_code == 400 and "end: a trial ends after it starts" in trial.json()["detail"]
    trial = api(ds).post(
        "/api/v1/sandbox-trials/", {"evaluation": pk, "start": "2026-03-01", "end": "2026-03-20", "goals": "Label 1k."}
    )
    assert trial.status_code == 201, trial.json()
    unsaid = api(ds).post(f"/api/v1/sandbox-trials/{trial.json()['id']}/close/", {"outcome": "pass"})
    assert unsaid.status_code == 400 and "findings: say what the trial found" in unsaid.json()["detail"]
    unsaid = api(board).post(f"/api/v1/technology-evaluations/{pk}/decide/", {"decision": "reject"})
    assert unsaid.status_code == 400 and "rationale: say why" in unsaid.json()["detail"]
    closed = api(ds).post(f"/api/v1/sandbox-trials/{trial.json()['id']}/close/", {"outcome": "pass", "findings": "ok"})
    assert closed.status_code == 200 and closed.json()["outcome"] == "pass"
    decided = api(board).post(f"/api/v1/technology-evaluations/{pk}/decide/", {"decision": "adopt", "rationale": "ok"})
    assert decided.status_code == 200 and decided.json()["decided_by"] == "board"
    standard = api(board).post(
        "/api/v1/approved-standards/",
        {
            "name": "Labelling standard",
            "kind": "standard",
            "description": "Label in LabelHub.",
            "review_date": NEXT_YEAR.isoformat(),
            "evaluation": pk,
            "status": "retired",
            "approved_by": ds.pk,
            "approved_at": "2020-01-01T00:00:00Z",
        },
        format="json",
    )
    assert standard.status_code == 201, standard.json()
    assert (standard.json()["status"], standard.json()["approved_by"]) == ("approved", "board")
    spk = standard.json()["id"]
    assert api(ds).post("/api/v1/approved-standards/", {"name": "x"}).status_code in (400, 403)
    sneaky = api(board).patch(
        f"/api/v1/approved-standards/{spk}/", {"status": "retired", "approved_by": ds.pk, "link": "https://x.example/s"}
    )
    assert sneaky.status_code == 200 and sneaky.json()["link"] == "https://x.example/s"
    assert (ApprovedStandard.objects.get(pk=spk).status, ApprovedStandard.objects.get(pk=spk).approved_by) == (
        "approved",
        board,
    )
    retired = api(board).post(f"/api/v1/approved-standards/{spk}/retire/", {"reason": "Superseded."})
    assert retired.status_code == 200 and retired.json()["status"] == "retired"
    assert api(ds).get("/api/v1/technology-evaluations/", {"decision": "adopt"}).json()["count"] == 1


def test_evaluation_pages_render_and_take_the_workflow(ds, board, client):
    client.force_login(ds)
    answer = client.post(
        "/governance/evaluations/",
        {
            "name": "Evidently",
            "category": "monitoring",
            "build_or_buy": "buy",
            "licence_model": "open_source",
            "one_off_cost": "10000",
            "annual_cost": "5000",
            "annual_benefit": "25000",
            "lock_in_risk": "low",
        },
    )
    evaluation = TechnologyEvaluation.objects.get(name="Evidently")
    assert answer.status_code == 302 and answer["Location"] == f"/governance/evaluations/{evaluation.pk}/"
    page = client.get(answer["Location"]).content.decode()
    assert "pays back in <strong>6.0 months</strong>" in page and "Start a sandbox trial" in page
    assert "Record the decision" not in page  # data scientists do not decide
    client.post(
        answer["Location"], {"step": "trial", "start": "2026-06-10", "end": "2026-06-01", "goals": "Drift on 3 models."}
    )
    page = client.get(answer["Location"]).content.decode()
    assert "end: a trial ends after it starts" in page and "No trial yet." in page
    client.post(answer["Location"], {"step": "trial", "start": "2026-06-01", "end": "2026-06-30", "goals": "Drift."})
    client.post(answer["Location"], {"step": "close_trial", "outcome": "pass", "findings": "Caught a seeded drift."})
    client.force_login(board)
    client.post(answer["Location"], {"step": "decide", "decision": "adopt", "rationale": "Cheap and open."})
    answer = client.post(
        answer["Location"],
        {
            "step": "publish",
            "name": "Monitoring reference architecture",
            "kind": "reference_architecture",
            "description": "Drift reports from Evidently for every production model.",
            "review_date": NEXT_YEAR.isoformat(),
        },
    )
    standard = ApprovedStandard.objects.get()
    assert answer["Location"] == f"/governance/standards/{standard.pk}/" and standard.evaluation == evaluation
    assert "Evidently" in client.get(answer["Location"]).content.decode()
    listing = client.get("/governance/standards/").content.decode()
    assert "Monitoring reference architecture" in listing and "Approve a standard" in listing
    listing = client.get("/governance/evaluations/").content.decode()
    assert "Evidently" in listing and "Decided</span> adopt" in listing


def test_list_queries_do_not_grow(ds, board, api, client, django_assert_max_num_queries):
    def add(n, start):
        for i in range(n):
            evaluation = services.evaluation_create(actor=ds, name=f"Tool {start + i}", annual_benefit=10)
            _passed_trial(ds, evaluation)
            services.evaluation_decide(actor=board, evaluation=evaluation, decision="adopt", rationale="ok")
            services.standard_approve(
                actor=board,
                name=f"Standard {start + i}",
                kind="standard",
                description="x",
                review_date=NEXT_YEAR,
                evaluation=evaluation,
            )

    add(2, 0)
    client.force_login(ds)
    urls = [
        "/api/v1/technology-evaluations/",
        "/api/v1/sandbox-trials/",
        "/api/v1/approved-standards/",
        "/governance/evaluations/",
        "/governance/standards/",
    ]
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(25) as captured:
            assert (api(ds) if url.startswith("/api") else client).get(url).status_code == 200
        counts[url] = len(captured.captured_queries)
    add(6, 2)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert (api(ds) if url.startswith("/api") else client).get(url).status_code == 200
