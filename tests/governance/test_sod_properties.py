"""T09, sign-off segregation of duties, property-based: whatever the team, its role grants, training, business
units, submitter, owners and contributors, and whatever sequence of sign-off attempts and policy edits, the
production gate is open exactly when the review's policy is satisfied: every required function approved by a
distinct person who holds it, did not submit, own or contribute to the version, has current AI-literacy
training, on the current digest and policy version; the validator belongs to none of the developing business
units (the model's, and those of its submitter, owners and contributors). Each attempt is also accepted
exactly when the model of the rules says so. Hypothesis is derandomized (fixed seed) so CI replays the same examples."""

import inspect
from datetime import timedelta

from django.contrib.auth.models import Group, User
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from audit.models import AuditEvent
from core.exceptions import ApplicationError, NotAllowed
from core.permissions import can
from core.roles import ROLE_BY_KEY
from governance import gates, services
from governance.choices import Decision, ReviewStatus
from governance.digest import content_digest
from governance.models import Review, ReviewPolicy, SignOff, TrainingRecord, function_permission
from governance.services.reviews import contributor_ids
from lifecycle import services as lifecycle
from lifecycle.choices import Stage
from lifecycle.models import ModelVersion
from portfolio import services as portfolio
from portfolio.models import BusinessUnit, Membership
from tests.governance.helpers import FAIR_CSV, FULL_CARD, PASSWORD, approve_assessment, person
from tests.lifecycle.helpers import record_training_data

TEAM = 5  # people per example; each may hold any functions, train or not, sit in either unit
FUNCTIONS = ["validation", "risk", "business"]  # the low tier's floor is validation
EXAMPLES = 1000

sign = st.tuples(
    st.just("sign"),
    st.integers(0, TEAM - 1),
    st.sampled_from(FUNCTIONS),
    st.sampled_from([Decision.APPROVE] * 6 + [Decision.REQUEST_CHANGES, Decision.REJECT]),
)
policy_edit = st.tuples(st.just("policy"), st.sets(st.sampled_from(FUNCTIONS[1:])))
world = st.fixed_dictionaries(
    {
        "held": st.lists(st.sets(st.sampled_from(FUNCTIONS), max_size=3), min_size=TEAM, max_size=TEAM),
        "trained": st.lists(st.booleans(), min_size=TEAM, max_size=TEAM),
        "in_unit": st.lists(st.booleans(), min_size=TEAM, max_size=TEAM),  # else in another business unit
        "submitter": st.integers(0, TEAM - 1),
        "owners": st.sets(st.integers(0, TEAM - 1), max_size=2),
        "card_editor": st.none() | st.integers(0, TEAM - 1),
        "bias_uploader": st.none() | st.integers(0, TEAM - 1),
        "required": st.sets(st.sampled_from(FUNCTIONS[1:])),  # added to validation
        "attempts": st.lists(st.one_of(sign, sign, sign, sign, policy_edit), max_size=9),
    }
)


class SignOffSegregation(TestCase):
    """Each example runs in a transaction rolled back afterwards: the world below is built once."""

    @classmethod
    def setUpTestData(cls):
        cls.retail = BusinessUnit.objects.create(code="RETAIL", name="Retail")
        cls.corp = BusinessUnit.objects.create(code="CORP", name="Corporate")
        cls.admin = person("policy-admin", "platform_admin")
        cls.registrar = person("registrar", "data_scientist", units=(cls.retail,))
        pm = person("pm", "program_manager", units=(cls.retail,))
        use_case = portfolio.use_case_create(
            actor=pm, title="Fraud scoring", business_unit=cls.retail, problem_statement="Flag card fraud."
        )
        approve_assessment(use_case)
        cls.team = [person(f"member-{i}", "data_scientist", "review_board", trained=False) for i in range(TEAM)]
        cls.groups = {f: Group.objects.get(name=ROLE_BY_KEY[f"sign_off_{f}"].name) for f in FUNCTIONS}
        # One model per possible submitter, its version submitted by them: the review is opened by the service.
        cls.versions = []
        for i, submitter in enumerate(cls.team):
            Membership.objects.create(user=submitter, business_unit=cls.retail)
            model = lifecycle.model_register(actor=cls.registrar, name=f"model-{i}", use_case=use_case)
            model.owners.add(submitter)  # may change the model, to submit it
            submitter = User.objects.get(pk=submitter.pk)
            version = lifecycle.model_version_register(
                actor=submitter, model=model, version="1", signature={"inputs": "[amount]"}
            )
            lifecycle.model_version_transition(actor=submitter, version=version, to_stage=Stage.IN_VALIDATION)
            record_training_data(version, actor=submitter)
            lifecycle.model_version_transition(actor=submitter, version=version, to_stage=Stage.PENDING_APPROVAL)
            cls.versions.append(version)
        Membership.objects.filter(user__in=cls.team).delete()

    def _build(self, w):
        """The drawn team and policy, and the version the drawn submitter submitted, with its contributors."""
        today = timezone.localdate()
        must_edit = {w["submitter"], w["card_editor"], w["bias_uploader"]} - {None}
        for i, user in enumerate(self.team):
            user.groups.add(*(self.groups[f] for f in w["held"][i]))
            Membership.objects.create(user=user, business_unit=self.retail if w["in_unit"][i] else self.corp)
            if i in must_edit and not w["in_unit"][i]:
                Membership.objects.create(user=user, business_unit=self.retail)  # a contributor edits the model
            if w["trained"][i]:
                TrainingRecord.objects.create(
                    user=user, completed_on=today - timedelta(days=10), expires_on=today + timedelta(days=300)
                )
            else:  # expired: it does not count
                TrainingRecord.objects.create(
                    user=user, completed_on=today - timedelta(days=400), expires_on=today - timedelta(days=1)
                )
        # The drawn policy: an admin edit, which moves the open reviews to it.
        services.review_policy_update(
            actor=self.admin, tier="low", reason="Drawn policy.", required_functions=["validation", *w["required"]]
        )
        version = ModelVersion.objects.select_related("model").get(pk=self.versions[w["submitter"]].pk)
        self.model = version.model
        self.model.owners.set([self.team[i] for i in w["owners"]])
        if w["card_editor"] is not None:
            services.model_card_save(actor=self._fresh(w["card_editor"]), version=version, **FULL_CARD)
        if w["bias_uploader"] is not None:
            services.bias_assessment_create(
                actor=self._fresh(w["bias_uploader"]),
                version=version,
                data=FAIR_CSV,
                file_name="fair.csv",
                reference_groups={"group": "a"},
            )
        return version, Review.objects.get(version=version, status=ReviewStatus.OPEN)

    def _fresh(self, i) -> User:
        return User.objects.get(pk=self.team[i].pk)  # no cached permissions

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(w=world)
    def test_the_gate_is_open_exactly_when_the_policy_is_satisfied(self, w):
        version, review = self._build(w)
        contributors = {w["submitter"], *w["owners"], w["card_editor"], w["bias_uploader"]} - {None}
        must_edit = {w["submitter"], w["card_editor"], w["bias_uploader"]} - {None}
        units = [
            {"retail"} if w["in_unit"][i] else {"corp"} | ({"retail"} if i in must_edit else set()) for i in range(TEAM)
        ]
        developing = {"retail"}.union(*(units[c] for c in contributors))  # the model's unit and its people's
        eligible = {
            i: {
                f
                for f in w["held"][i]
                if i not in contributors
                and w["trained"][i]
                and can(self._fresh(i), "view", self.model)
                and (f != "validation" or not units[i] & developing)
            }
            for i in range(TEAM)
        }
        # The contributors the service excludes are exactly the drawn ones.
        assert contributor_ids(version) == {self.team[i].pk for i in contributors}
        required, standing, status = ["validation", *sorted(w["required"])], {}, ReviewStatus.OPEN
        for attempt in w["attempts"]:
            if attempt[0] == "policy":
                services.review_policy_update(
                    actor=self.admin, tier="low", reason="Edit.", required_functions=["validation", *attempt[1]]
                )
                if status == ReviewStatus.OPEN:  # an open review moves to the new rules and loses its sign-offs
                    required, standing = ["validation", *sorted(attempt[1])], {}
                continue
            _, i, function, decision = attempt
            expected = (
                status == ReviewStatus.OPEN
                and function in eligible[i]
                and function in required
                and function not in standing
                and i not in {who for who, _ in standing.values()}
            )
            try:
                services.sign_off_record(
                    actor=self._fresh(i),
                    review=review,
                    function=function,
                    decision=decision,
                    comment="" if decision == Decision.APPROVE else "Not yet.",
                    password=PASSWORD,
                )
                accepted = True
            except ApplicationError:
                accepted = False
            assert accepted == expected, (attempt, standing, required, eligible)
            if accepted:
                standing[function] = (i, decision)
                if decision == Decision.REJECT:
                    status = ReviewStatus.REJECTED
                elif all(standing.get(f, (None, None))[1] == Decision.APPROVE for f in required):
                    status = ReviewStatus.APPROVED
        satisfied = all(standing.get(f, (None, None))[1] == Decision.APPROVE for f in required)
        version.refresh_from_db()
        gate_open = gates.review_complete(version) is None and gates.approval_current(version) is None
        assert gate_open == satisfied
        review.refresh_from_db()
        assert review.status == status
        if satisfied:
            # What the gate counted: one distinct, independent, trained holder per function, on this content.
            digest = content_digest(version)
            counted = services.current_sign_offs(review, digest)
            signers = [counted[f].signer for f in review.required_functions]
            assert len({s.pk for s in signers}) == len(required)
            for f in review.required_functions:
                s = counted[f]
                assert s.decision == Decision.APPROVE and s.digest == digest
                assert s.policy_version == review.policy_snapshot["version"]
                assert s.signer.has_perm(function_permission(f)) and services.has_current_training(s.signer)
                assert s.signer_id not in contributor_ids(version)


class PolicyAndImpersonation(TestCase):
    """The rules of a review belong to policy admins; a signature is always its caller's own."""

    @classmethod
    def setUpTestData(cls):
        cls.retail = BusinessUnit.objects.create(code="RETAIL", name="Retail")
        cls.admin = person("policy-admin", "platform_admin")
        cls.author = person("author", "data_scientist", units=(cls.retail,))
        pm = person("pm", "program_manager", units=(cls.retail,))
        use_case = portfolio.use_case_create(actor=pm, title="Fraud scoring", business_unit=cls.retail)
        approve_assessment(use_case)
        services.review_policy_update(
            actor=cls.admin, tier="low", reason="Two functions.", required_functions=["validation", "risk"]
        )
        model = lifecycle.model_register(actor=cls.author, name="fraud-scorer", use_case=use_case)
        version = lifecycle.model_version_register(
            actor=cls.author, model=model, version="1", signature={"inputs": "[amount]"}
        )
        lifecycle.model_version_transition(actor=cls.author, version=version, to_stage=Stage.IN_VALIDATION)
        record_training_data(version, actor=cls.author)
        lifecycle.model_version_transition(actor=cls.author, version=version, to_stage=Stage.PENDING_APPROVAL)
        cls.review = Review.objects.get(version=version)
        cls.validator = person("validator", "review_board", "sign_off_validation")
        cls.both = person("both", "review_board", "sign_off_validation", "sign_off_risk")

    def test_the_author_cannot_change_the_rules_of_the_review(self):
        from rest_framework.test import APIClient

        policies = ReviewPolicy.objects.count()
        with self.assertRaises(NotAllowed):
            services.review_policy_update(
                actor=self.author, tier="low", reason="Fewer signatures.", required_functions=["validation"]
            )
        client = APIClient()
        client.force_authenticate(self.author)
        body = {"tier": "low", "reason": "Fewer signatures.", "required_functions": ["validation"]}
        assert client.post("/api/v1/review-policies/", body, format="json").status_code == 403
        # The review itself has no write endpoint: its policy snapshot and status cannot be sent.
        body = {"policy_snapshot": {"required_functions": ["validation"]}, "status": "approved"}
        assert client.patch(f"/api/v1/reviews/{self.review.pk}/", body, format="json").status_code in (403, 405)
        assert ReviewPolicy.objects.count() == policies
        self.review.refresh_from_db()
        assert self.review.required_functions == ["validation", "risk"] and self.review.status == "open"

    def test_a_policy_edit_by_an_admin_resets_the_sign_offs_and_is_audited(self):
        services.sign_off_record(
            actor=self.validator, review=self.review, function="validation", decision="approve", password=PASSWORD
        )
        services.review_policy_update(
            actor=self.admin, tier="low", reason="Business must sign too.", required_functions=["validation", "risk"]
        )
        assert SignOff.objects.get(review=self.review).invalidated_at is not None
        event = AuditEvent.objects.filter(action="review_policy.changed").latest("pk")
        assert event.changes["open_reviews_reset"][1] == [self.review.pk] and event.changes["sign_offs_reset"][1] == 1
        assert event.reason == "Business must sign too."

    def test_one_person_with_two_required_functions_counts_once(self):
        services.sign_off_record(
            actor=self.both, review=self.review, function="validation", decision="approve", password=PASSWORD
        )
        with self.assertRaisesMessage(ApplicationError, "another person must sign"):
            services.sign_off_record(
                actor=User.objects.get(pk=self.both.pk),
                review=self.review,
                function="risk",
                decision="approve",
                password=PASSWORD,
            )
        version = self.review.version
        assert "Risk" in gates.review_complete(version)

    def test_an_admin_cannot_sign_for_someone_else(self):
        from rest_framework.test import APIClient

        # There is no on-behalf-of: the service signs as its actor, and takes no other person.
        assert set(inspect.signature(services.sign_off_record).parameters) == {
            "actor",
            "review",
            "function",
            "decision",
            "comment",
            "password",
            "if_match",
            "sso_proof",  # the actor's own re-authentication at the provider, refused when it is another's
        }
        admin = User.objects.get(pk=self.admin.pk)
        client = APIClient()
        client.force_authenticate(admin)
        body = {
            "function": "validation",
            "decision": "approve",
            "password": PASSWORD,
            "signer": self.validator.username,
            "signer_id": self.validator.pk,
            "on_behalf_of": self.validator.username,
            "signer_name": "Validator",
        }
        answer = client.post(f"/api/v1/reviews/{self.review.pk}/sign-offs/", body, format="json")
        # The admin holds no sign-off function: refused, and nothing is signed in the validator's name.
        assert answer.status_code in (403, 404), answer.content
        assert not SignOff.objects.filter(review=self.review).exists()
        # Signing as themselves with a function: the signature is theirs, whatever the body names.
        admin.groups.add(Group.objects.get(name=ROLE_BY_KEY["sign_off_validation"].name))
        TrainingRecord.objects.create(
            user=admin,
            completed_on=timezone.localdate() - timedelta(days=1),
            expires_on=timezone.localdate() + timedelta(days=300),
        )
        client.force_authenticate(User.objects.get(pk=admin.pk))
        answer = client.post(f"/api/v1/reviews/{self.review.pk}/sign-offs/", body, format="json")
        assert answer.status_code == 201, answer.content
        signed = SignOff.objects.get(pk=answer.json()["id"])
        assert signed.signer_id == admin.pk and signed.signer_name != "Validator"
        assert not SignOff.objects.filter(review=self.review, signer=self.validator).exists()
