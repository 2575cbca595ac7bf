"""The use-case workflow, scoring and the ranking, at the service level."""

from decimal import Decimal

import pytest

from audit.models import AuditEvent
from core.exceptions import ApplicationError, Conflict, NotAllowed
from portfolio import services
from portfolio.choices import NEXT_STATUSES, UseCaseStatus
from portfolio.models import READINESS_ITEMS, Score, ScoringCriterion, UseCase, UseCaseTransition
from portfolio.ranking import ranking

ALL_MOVES = [(src, dst) for src in UseCaseStatus.values for dst in UseCaseStatus.values if src != dst]


@pytest.fixture
def pm(units, make_user):
    return make_user("pm", "program_manager", units=(units["RETAIL"],))


@pytest.fixture
def case(pm, units):
    return services.use_case_create(actor=pm, title="Claims triage", business_unit=units["RETAIL"])


def _ready_for_live(use_case, user):
    """Tick every go-live readiness item, as the delivery team would before going live."""
    for item, _label in READINESS_ITEMS:
        services.readiness_check(actor=user, use_case=use_case, item=item, evidence=f"{item} done, minutes filed")


def _force_status(use_case, status):
    UseCase.objects.filter(pk=use_case.pk).update(status=status)
    use_case.refresh_from_db()


# --- Workflow ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("src", "dst"), ALL_MOVES)
def test_every_move_is_allowed_exactly_when_the_workflow_says(case, pm, src, dst):
    _force_status(case, src)
    if dst == "live":
        _ready_for_live(case, pm)
    if dst in NEXT_STATUSES[src]:
        services.use_case_transition(actor=pm, use_case=case, to_status=dst, reason="steering committee")
        case.refresh_from_db()
        assert case.status == dst
        move = UseCaseTransition.objects.get(use_case=case)
        assert (move.from_status, move.to_status, move.actor) == (src, dst, pm)
        event = AuditEvent.objects.get(action="use_case.transitioned")
        assert event.changes == {"status": [src, dst]} and event.reason == "steering committee"
    else:
        with pytest.raises(Conflict, match="cannot move to"):
            services.use_case_transition(actor=pm, use_case=case, to_status=dst, reason="try")
        case.refresh_from_db()
        assert case.status == src
        assert not UseCaseTransition.objects.exists()


def test_going_live_needs_the_whole_readiness_checklist(case, pm):
    _force_status(case, "in_delivery")
    services.readiness_check(actor=pm, use_case=case, item="uat", evidence="3 UAT sessions, sign-off sheet")
    with pytest.raises(Conflict, match="readiness checklist") as refused:
        services.use_case_transition(actor=pm, use_case=case, to_status="live", reason="launch")
    assert "Champions trained" in refused.value.message and "User acceptance" not in refused.value.message
    case.refresh_from_db()
    assert case.status == "in_delivery"
    with pytest.raises(ApplicationError, match="evidence"):
        services.readiness_check(actor=pm, use_case=case, item="support", evidence=" ")


def test_a_transition_needs_a_reason(case, pm):
    with pytest.raises(ApplicationError, match="reason"):
        services.use_case_transition(actor=pm, use_case=case, to_status="assessing", reason="  ")
    case.refresh_from_db()
    assert case.status == "proposed"


def test_the_refusal_names_where_the_use_case_can_go(case, pm):
    with pytest.raises(Conflict) as refused:
        services.use_case_transition(actor=pm, use_case=case, to_status="live", reason="rush")
    assert "Assessing" in refused.value.message and "Rejected" in refused.value.message


def test_a_program_manager_of_another_unit_cannot_move_it(case, units, make_user):
    other = make_user("other", "program_manager", units=(units["CORP"],))
    with pytest.raises(NotAllowed):
        services.use_case_transition(actor=other, use_case=case, to_status="assessing", reason="mine now")


def test_the_full_life_of_a_use_case(case, pm):
    path = ["assessing", "approved", "in_delivery", "paused", "in_delivery", "live", "retired"]
    _ready_for_live(case, pm)
    for status in path:
        services.use_case_transition(actor=pm, use_case=case, to_status=status, reason=f"to {status}")
    assert list(case.transitions.order_by("pk").values_list("to_status", flat=True)) == path


# --- Scoring ----------------------------------------------------------------------------------------


@pytest.fixture
def criteria(db):
    return {c.key: c for c in ScoringCriterion.objects.all()}


@pytest.mark.parametrize("bad", [0, 6, 3.5, "3", True, None])
def test_a_score_outside_1_to_5_is_refused(case, pm, criteria, bad):
    with pytest.raises(ApplicationError, match="score"):
        services.score_record(actor=pm, use_case=case, criterion=criteria["roi"], score=bad, rationale="x")
    assert not Score.objects.exists()


def test_a_new_score_supersedes_the_scorers_previous_one(case, pm, criteria):
    services.score_record(actor=pm, use_case=case, criterion=criteria["roi"], score=2, rationale="first look")
    services.score_record(actor=pm, use_case=case, criterion=criteria["roi"], score=4, rationale="business case in")
    assert list(case.scores.order_by("pk").values_list("score", "is_current")) == [(2, False), (4, True)]
    assert AuditEvent.objects.filter(action="use_case.scored").latest("seq").changes == {"score:roi": [2, 4]}


def test_scores_need_a_rationale_and_the_permission(case, pm, criteria, units, make_user):
    with pytest.raises(ApplicationError, match="rationale"):
        services.score_record(actor=pm, use_case=case, criterion=criteria["roi"], score=3, rationale="")
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    with pytest.raises(NotAllowed):
        services.score_record(actor=ds, use_case=case, criterion=criteria["roi"], score=3, rationale="I think so")


# --- Ranking ----------------------------------------------------------------------------------------


def _only(criteria, **weights):
    """Keep only the given criteria active, with these weights."""
    ScoringCriterion.objects.exclude(key__in=weights).update(is_active=False)
    for key, weight in weights.items():
        ScoringCriterion.objects.filter(key=key).update(weight=weight, is_active=True)


def _score(use_case, pm, criteria, **scores):
    for key, value in scores.items():
        services.score_record(actor=pm, use_case=use_case, criterion=criteria[key], score=value, rationale="r")


def test_ranking_orders_by_the_weighted_normalised_score(pm, units, criteria):
    _only(criteria, roi=3, integration_complexity=1)
    a, b, c = (services.use_case_create(actor=pm, title=t, business_unit=units["RETAIL"]) for t in "ABC")
    _score(a, pm, criteria, roi=5, integration_complexity=5)  # 100*(3*1 + 1*0)/4 = 75
    _score(b, pm, criteria, roi=3, integration_complexity=1)  # 100*(3*.5 + 1*1)/4 = 62.5
    _score(c, pm, criteria, roi=4, integration_complexity=3)  # 100*(3*.75 + 1*.5)/4 = 68.75
    rows = ranking(queryset=UseCase.objects.all())
    assert [(r.title, r.score, r.rank) for r in rows] == [("A", 75.0, 1), ("C", 68.75, 2), ("B", 62.5, 3)]
    assert all(r.missing_criteria == 0 for r in rows)


def test_equal_scores_share_a_rank_and_keep_code_order(pm, units, criteria):
    _only(criteria, roi=1)
    cases = [services.use_case_create(actor=pm, title=t, business_unit=units["RETAIL"]) for t in "ABC"]
    for use_case, value in zip(cases, (3, 5, 3), strict=True):
        _score(use_case, pm, criteria, roi=value)
    rows = ranking(queryset=UseCase.objects.all())
    assert [(r.title, r.rank) for r in rows] == [("B", 1), ("A", 2), ("C", 2)]


def test_weight_overrides_reorder_and_mark_sensitive_rows(pm, units, criteria):
    _only(criteria, roi=1, data_readiness=3)
    cases = [services.use_case_create(actor=pm, title=f"U{i}", business_unit=units["RETAIL"]) for i in range(5)]
    for i, use_case in enumerate(cases):  # ROI rises with i, data readiness falls with i
        _score(use_case, pm, criteria, roi=i + 1, data_readiness=5 - i)
    rows = {r.title: r for r in ranking(queryset=UseCase.objects.all(), overrides={"roi": Decimal(10)})}
    # Saved weights favour data readiness (U0 first); a heavy ROI weight reverses the order.
    assert [rows[f"U{i}"].base_rank for i in range(5)] == [1, 2, 3, 4, 5]
    assert [rows[f"U{i}"].rank for i in range(5)] == [5, 4, 3, 2, 1]
    assert (rows["U4"].moved, rows["U0"].moved, rows["U2"].moved) == (4, -4, 0)
    assert {title for title, row in rows.items() if row.sensitive} == {
        title for title, row in rows.items() if abs(row.base_rank - row.rank) >= 3
    }
    assert any(row.sensitive for row in rows.values())


def test_the_risk_criterion_reads_the_risk_tier_once_assessed(pm, units, criteria):
    _only(criteria, risk=1)
    safe, risky = (services.use_case_create(actor=pm, title=t, business_unit=units["RETAIL"]) for t in ("S", "R"))
    _score(safe, pm, criteria, risk=3)
    _score(risky, pm, criteria, risk=3)
    UseCase.objects.filter(pk=risky.pk).update(risk_tier="critical")
    UseCase.objects.filter(pk=safe.pk).update(risk_tier="low")
    rows = ranking(queryset=UseCase.objects.all())
    assert [(r.title, r.score) for r in rows] == [("S", 100.0), ("R", 0.0)]


def test_unscored_criteria_count_as_worst_and_are_reported(pm, units, criteria):
    _only(criteria, roi=1, data_readiness=1)
    use_case = services.use_case_create(actor=pm, title="Half", business_unit=units["RETAIL"])
    _score(use_case, pm, criteria, roi=5)
    (row,) = ranking(queryset=UseCase.objects.all())
    assert row.score == 50.0 and row.missing_criteria == 1


def test_the_ranking_holds_only_the_backlog(pm, units, criteria, case):
    live = services.use_case_create(actor=pm, title="Live one", business_unit=units["RETAIL"])
    _force_status(live, "live")
    assert [r.title for r in ranking(queryset=UseCase.objects.all())] == ["Claims triage"]


def test_several_scorers_are_averaged(pm, units, criteria, make_user, case):
    _only(criteria, roi=1)
    second = make_user("pm2", "program_manager", units=(units["RETAIL"],))
    _score(case, pm, criteria, roi=5)
    _score(case, second, criteria, roi=2)  # mean 3.5 -> 62.5
    (row,) = ranking(queryset=UseCase.objects.all())
    assert row.score == 62.5
