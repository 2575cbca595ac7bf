"""Model cards: their sections, how complete each is, what MLflow already told us, and the Markdown export.

A section is complete when every part of it is filled, partial when some are, empty when none is. Parts are
the card's own text and, where the version recorded it from MLflow, the version's facts (its metrics, its
training lineage), so a card cannot call its metrics documented when the run recorded none."""

from dataclasses import dataclass

from governance.choices import SECTION_COLORS, ExplainabilityMethod, SectionState

# key (the names review policies use), title, the card fields and version facts that make the section
SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("intended_use", "Intended use", ("intended_use",)),
    ("out_of_scope_uses", "Out-of-scope uses", ("out_of_scope_uses",)),
    ("users_affected", "Users and people affected", ("users_affected",)),
    ("training_data", "Training data", ("training_data", "@training_lineage")),
    ("evaluation_data", "Evaluation data", ("evaluation_data",)),
    ("metrics", "Metrics and their slices", ("@recorded_metrics", "metrics_notes")),
    ("fairness", "Fairness findings", ("fairness_findings",)),
    ("explainability", "Explainability", ("explainability_method", "explainability_notes")),
    ("limitations", "Limitations and caveats", ("limitations",)),
    ("human_oversight", "Fallback and human oversight", ("human_oversight",)),
    ("assumptions", "Assumptions", ("assumptions",)),
)
SECTION_KEYS = tuple(key for key, _, _ in SECTIONS)
SECTION_TITLES = {key: title for key, title, _ in SECTIONS}
CARD_TEXT_FIELDS = (
    "intended_use",
    "out_of_scope_uses",
    "users_affected",
    "training_data",
    "evaluation_data",
    "metrics_notes",
    "fairness_findings",
    "explainability_method",
    "explainability_notes",
    "limitations",
    "human_oversight",
    "assumptions",
)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    state: str
    missing: tuple[str, ...]  # the parts still to fill, in words

    @property
    def label(self) -> str:
        return SectionState(self.state).label

    @property
    def color(self) -> str:
        return SECTION_COLORS[self.state]


_PART_WORDS = {
    "@training_lineage": "a training dataset linked to the version",
    "@recorded_metrics": "metrics recorded on the version (from its MLflow run)",
    "metrics_notes": "the metrics by slice",
    "explainability_method": "the method",
    "explainability_notes": "how explanations are produced and used",
}


def _filled(part: str, card, version) -> bool:
    if part == "@training_lineage":
        return any(link.role == "training" for link in version.dataset_links.all())
    if part == "@recorded_metrics":
        return bool(version.metrics)
    return card is not None and bool(str(getattr(card, part) or "").strip())


def sections(card, version) -> list[Section]:
    """Every section of the card with its state; `card` may be None (nothing written yet)."""
    result = []
    for key, title, parts in SECTIONS:
        missing = tuple(_PART_WORDS.get(p, "the text") for p in parts if not _filled(p, card, version))
        if not missing:
            state = SectionState.COMPLETE
        elif len(missing) == len(parts):
            state = SectionState.EMPTY
        else:
            state = SectionState.PARTIAL
        result.append(Section(key, title, state, missing))
    return result


def completeness(card, version) -> int:
    """Overall completeness in percent: a complete section counts one, a partial one half."""
    rows = sections(card, version)
    score = sum(1 if s.state == SectionState.COMPLETE else 0.5 if s.state == SectionState.PARTIAL else 0 for s in rows)
    return round(100 * score / len(rows))


def incomplete_required(card, version, required: list[str]) -> list[Section]:
    """The sections a policy requires that are not complete."""
    return [s for s in sections(card, version) if s.key in required and s.state != SectionState.COMPLETE]


def _lineage_lines(version, roles: tuple[str, ...]) -> str:
    lines = []
    for link in version.dataset_links.all():
        if link.role not in roles:
            continue
        dataset = link.dataset
        facts = [f"{link.get_role_display().lower()} data"]
        if link.schema_version_id:
            facts.append(f"schema v{link.schema_version.number}")
        if dataset.source_system:
            facts.append(f"from {dataset.source_system}")
        if dataset.version_uri:
            facts.append(dataset.version_uri)
        lines.append(f"- {dataset.name} ({', '.join(facts)})")
    return "\n".join(lines)


def card_initial(version) -> dict:
    """What a new card starts from: what Lodestar already knows (the use case's purpose, the lineage)."""
    return {
        "intended_use": version.model.use_case.problem_statement,
        "training_data": _lineage_lines(version, ("training",)),
        "evaluation_data": _lineage_lines(version, ("validation", "reference")),
    }


# --- Markdown export ------------------------------------------------------------------------------------


def _cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _signature_lines(signature: dict) -> list[str]:
    lines = []
    for part in ("inputs", "outputs"):
        if signature.get(part):
            lines.append(f"- {part}: `{_cell(signature[part])}`")
    return lines


def markdown(card, version, *, bias_assessments=()) -> str:
    """The card as a Markdown document: facts from the inventory and MLflow, then every section."""
    model, use_case = version.model, version.model.use_case
    rows = sections(card, version)
    out = [
        f"# Model card: {model.name} v{version.version}",
        "",
        f"- Use case: {use_case.code} {use_case.title}",
        f"- Risk tier: {use_case.get_risk_tier_display()}",
        f"- Stage: {version.get_stage_display()}",
    ]
    if version.mlflow_run_id:
        out.append(f"- MLflow run: `{version.mlflow_run_id}` (registered version {version.mlflow_version or '—'})")
    if version.framework:
        out.append(f"- Framework: {version.framework}")
    out += [f"- Content digest: `{version.digest}`", f"- Completeness: {completeness(card, version)}%", ""]
    for section in rows:
        out += [f"## {section.title}", "", f"_{section.label}_", ""]
        if section.key == "metrics" and version.metrics:
            out += ["| metric | value |", "| --- | --- |"]
            out += [f"| {_cell(k)} | {_cell(v)} |" for k, v in sorted(version.metrics.items())]
            out.append("")
        if section.key == "explainability" and card is not None and card.explainability_method:
            out += [f"Method: {ExplainabilityMethod(card.explainability_method).label}", ""]
        for field in _text_fields(section.key):
            text = (getattr(card, field, "") or "").strip() if card is not None else ""
            if text:
                out += [text, ""]
        if section.key == "fairness":
            for assessment in bias_assessments:
                verdict = "pass" if assessment.passed else "fail"
                out.append(
                    f"- Bias assessment #{assessment.pk} ({assessment.created_at:%Y-%m-%d}, {assessment.row_count} "
                    f"rows): **{verdict}**" + (f"; {'; '.join(assessment.failures)}" if assessment.failures else "")
                )
            if bias_assessments:
                out.append("")
    if version.params:
        out += ["## Training parameters", "", "| param | value |", "| --- | --- |"]
        out += [f"| {_cell(k)} | {_cell(v)} |" for k, v in sorted(version.params.items())]
        out.append("")
    signature = _signature_lines(version.signature or {})
    if signature:
        out += ["## Signature", "", *signature, ""]
    return "\n".join(out).rstrip() + "\n"


def _text_fields(key: str) -> tuple[str, ...]:
    parts = next(p for k, _, p in SECTIONS if k == key)
    return tuple(p for p in parts if not p.startswith("@") and p != "explainability_method")
