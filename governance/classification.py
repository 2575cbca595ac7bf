"""Risk classification from an impact assessment's answers: a pure function, with the reasons."""

from dataclasses import dataclass, field

from governance.choices import TIER_ORDER, EUCategory, Tier
from governance.questionnaire import ANNEX_III_AREAS, PROHIBITED_PRACTICES

_AREA_LABELS = dict(ANNEX_III_AREAS)
_PRACTICE_LABELS = dict(PROHIBITED_PRACTICES)

# Points each answer adds to the internal risk score, with the reason it gives.
_POINTS: dict[str, dict[str, tuple[int, str]]] = {
    "autonomy": {
        "human_on_loop": (1, "A person only monitors the decisions (+1)."),
        "automated": (2, "Decisions are fully automated, with no person in the loop (+2)."),
    },
    "personal_data": {
        "personal": (1, "It uses personal data (+1)."),
        "special_category": (3, "It uses special-category personal data (GDPR Art. 9) (+3)."),
    },
    "scale": {
        "medium": (1, "It touches 1,000 to 100,000 people or decisions a year (+1)."),
        "large": (2, "It touches more than 100,000 people or decisions a year (+2)."),
    },
    "reversibility": {
        "effort": (1, "Harm is reversible only with effort (+1)."),
        "irreversible": (3, "Harm would be irreversible (+3)."),
    },
    "financial_impact": {
        "medium": (1, "Medium financial impact (+1)."),
        "high": (2, "High financial impact (+2)."),
    },
    "reputational_impact": {
        "medium": (1, "Medium reputational impact (+1)."),
        "high": (2, "High reputational impact (+2)."),
    },
    "safety_impact": {"minor": (2, "A failure could cause minor harm to health or safety (+2).")},
}
_VULNERABLE = {"minors": "Minors are affected (+2).", "vulnerable": "Vulnerable people are affected (+2)."}
# Score thresholds of the tiers, highest first.
_TIER_SCORES = ((9, Tier.CRITICAL), (6, Tier.HIGH), (3, Tier.MEDIUM), (0, Tier.LOW))


@dataclass(frozen=True)
class Classification:
    eu_category: str
    tier: str
    score: int
    reasons: list[str] = field(default_factory=list)

    @property
    def prohibited(self) -> bool:
        return self.eu_category == EUCategory.PROHIBITED


def _at_least(tier: str, floor: str) -> str:
    return max(tier, floor, key=TIER_ORDER.index)


def classify(answers: dict) -> Classification:
    """EU AI Act category and internal tier for a set of answers, and every reason that led there."""
    reasons: list[str] = []
    practices = [p for p in answers.get("prohibited_practices") or [] if p in _PRACTICE_LABELS]
    areas = [a for a in answers.get("annex_iii_areas") or [] if a in _AREA_LABELS]
    if practices:
        category = EUCategory.PROHIBITED
        reasons += [f"Prohibited practice: {_PRACTICE_LABELS[p]}." for p in practices]
    elif areas:
        category = EUCategory.HIGH
        reasons += [f"High-risk area: {_AREA_LABELS[a]}." for a in areas]
    elif answers.get("interacts_with_people"):
        category = EUCategory.LIMITED
        reasons.append("People interact with it or it generates content: transparency duties apply (Art. 50).")
    else:
        category = EUCategory.MINIMAL
        reasons.append("No prohibited practice, no Annex III area, no direct interaction: minimal risk.")

    score = 0
    for key, table in _POINTS.items():
        points, reason = table.get(answers.get(key), (0, ""))
        if points:
            score += points
            reasons.append(reason)
    for group in answers.get("affected") or []:
        if group in _VULNERABLE:
            score += 2
            reasons.append(_VULNERABLE[group])
    tier = next(t for minimum, t in _TIER_SCORES if score >= minimum)
    reasons.append(f"Risk score {score} gives the {tier} tier.")

    floors = []
    if category == EUCategory.PROHIBITED:
        floors.append((Tier.CRITICAL, "A prohibited practice puts it in the critical tier."))
    if category == EUCategory.HIGH:
        floors.append((Tier.HIGH, "An EU AI Act high-risk system is at least in the high tier."))
    if answers.get("safety_impact") == "serious":
        floors.append((Tier.CRITICAL, "A failure could seriously harm health or safety: critical tier."))
    if answers.get("reversibility") == "irreversible" and answers.get("autonomy") == "automated":
        floors.append((Tier.CRITICAL, "Fully automated decisions with irreversible harm: critical tier."))
    if category == EUCategory.HIGH and answers.get("personal_data") == "special_category":
        floors.append((Tier.CRITICAL, "A high-risk system using special-category data: critical tier."))
    for floor, reason in floors:
        if TIER_ORDER.index(floor) > TIER_ORDER.index(tier):
            tier = floor
            reasons.append(reason)
    return Classification(eu_category=str(category), tier=str(tier), score=score, reasons=reasons)
