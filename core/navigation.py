"""The landing dashboards and the menu: declared once, as data, and shaped per user by their permissions.

Each menu entry names its page (a URL name) and what opens it: the permission the page's view checks, or a
predicate for the few pages whose use depends on more than one permission. Pages every signed-in user may use
have neither. Code never looks at a role's name, only at what the user holds.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from core.roles import SIGN_OFF_FUNCTION_CODES


@dataclass(frozen=True)
class Landing:
    permission: str
    url_name: str
    label: str


# A user who holds several roles lands on the first dashboard they may open.
LANDINGS = (
    Landing("dashboards.view_executive", "dashboards:executive", "Executive"),
    Landing("dashboards.view_program", "dashboards:program", "Program"),
    Landing("dashboards.view_review_board", "dashboards:review_board", "Review board"),
    Landing("dashboards.view_data_science", "dashboards:data_science", "Data science"),
    Landing("dashboards.view_administration", "dashboards:administration", "Administration"),
)


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def landings_for(user) -> list[Landing]:
    if not _active(user):
        return []
    return [landing for landing in LANDINGS if user.has_perm(landing.permission)]


# --- Predicates: who may use a page that no single permission opens ----------------------------------------


def holds_a_sign_off_function(user) -> bool:
    """The sign-off queue lists what waits for the functions the reader holds: empty for anyone holding none."""
    return any(user.has_perm(f"governance.sign_{code}") for code in SIGN_OFF_FUNCTION_CODES)


def is_staff(user) -> bool:
    """Django's admin site lets in staff accounts only (then checks model permissions page by page)."""
    return user.is_staff


# --- The menu ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    label: str
    url_name: str
    permission: str | None = None  # the permission the page's view checks; None: any signed-in user
    predicate: Callable | None = None  # for a page no single permission opens

    def opens_for(self, user) -> bool:
        if self.permission is not None and not user.has_perm(self.permission):
            return False
        return self.predicate is None or bool(self.predicate(user))


@dataclass(frozen=True)
class Group:
    label: str
    entries: tuple[Entry, ...]


MENU: tuple[Group, ...] = (
    Group(
        "Portfolio",
        (
            Entry("Executive dashboard", "dashboards:executive", "dashboards.view_executive"),
            Entry("Program dashboard", "dashboards:program", "dashboards.view_program"),
            Entry("Use cases", "portfolio:usecase_list"),
            Entry("Ranking", "portfolio:ranking"),
            Entry("Scoring criteria", "portfolio:scoring_criteria"),
            Entry("Roadmap", "portfolio:roadmap"),
            Entry("Waves and capacity", "portfolio:wave_list"),
            Entry("Teams", "portfolio:team_list"),
            Entry("Agreements", "portfolio:agreement_list"),
            Entry("Strategy and KPIs", "portfolio:objective_list"),
            Entry("Benefits", "portfolio:benefits"),
            Entry("Assumptions", "portfolio:assumption_list"),
            Entry("Portfolio reviews", "portfolio:review_list"),
            Entry("Skills", "portfolio:skills"),
        ),
    ),
    Group(
        "Models",
        (
            Entry("Data science dashboard", "dashboards:data_science", "dashboards.view_data_science"),
            Entry("Model inventory", "lifecycle:model_list"),
            Entry("Versions", "lifecycle:version_list"),
            Entry("Datasets", "lifecycle:dataset_list"),
            Entry("Register from MLflow", "lifecycle:register", "lifecycle.register_model"),
            Entry("Found in MLflow", "lifecycle:proposal_list"),
            Entry("Release calendar", "lifecycle:calendar"),
            Entry("Decommissions", "lifecycle:decommission_list"),
            Entry("Lessons learned", "lifecycle:lessons"),
            Entry("Incidents", "lifecycle:incident_list"),
        ),
    ),
    Group(
        "Governance",
        (
            Entry("Review board dashboard", "dashboards:review_board", "dashboards.view_review_board"),
            Entry("Sign-off queue", "governance:review_queue", predicate=holds_a_sign_off_function),
            Entry("Reviews", "governance:review_list"),
            Entry("Review policies", "governance:review_policies"),
            Entry("Freeze windows", "governance:freeze_windows"),
            Entry("Compliance", "compliance:compliance"),
            Entry("Evidence", "compliance:evidence_list"),
            Entry("Concerns", "governance:concern_list"),
            Entry("Vendors", "sourcing:vendor_list"),
            Entry("Technology evaluations", "sourcing:evaluation_list"),
            Entry("Standards", "sourcing:standard_list"),
            Entry("External audits", "compliance:external_audit_list"),
        ),
    ),
    Group(
        "Monitoring",
        (
            Entry("Alerts", "monitoring:alert_list"),
            Entry("Alert rules", "monitoring:alert_rule_list"),
            Entry("Model health", "monitoring:health_list"),
            Entry("Cost", "monitoring:cost"),
            Entry("Retraining", "monitoring:retraining_list"),
            Entry("MLflow sync runs", "monitoring:sync_run_list"),
        ),
    ),
    Group(
        "Admin",
        (
            Entry("Administration dashboard", "dashboards:administration", "dashboards.view_administration"),
            Entry("Audit trail", "audit:event_list", "audit.view_auditevent"),
            Entry("Training records", "governance:training_records", "governance.add_trainingrecord"),
            Entry("Business units", "portfolio:business_unit_list", "portfolio.change_businessunit"),
            Entry("Retention and legal holds", "audit:retention", "audit.view_legalhold"),
            Entry("Webhooks", "monitoring:webhook_list", "monitoring.manage_webhook"),
            Entry("Exchange rates", "monitoring:exchange_rates", "monitoring.add_exchangerate"),
            Entry("Import a framework", "compliance:framework_import", "compliance.import_framework"),
            Entry("Single sign-on", "identity:mappings", "identity.view_claimmapping"),
            Entry("Users", "admin:auth_user_changelist", "auth.view_user", predicate=is_staff),
            Entry("Django admin", "admin:index", predicate=is_staff),
        ),
    ),
)


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    current: bool


@dataclass(frozen=True)
class MenuGroup:
    label: str
    links: tuple[Link, ...]

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links)


def menu_for(user, *, path: str = "") -> list[MenuGroup]:
    """The groups and entries `user` may open, in declaration order; a group with nothing open is left out."""
    if not _active(user):
        return []
    groups = []
    for group in MENU:
        links = []
        for entry in group.entries:
            if entry.opens_for(user):
                url = reverse(entry.url_name)
                links.append(Link(entry.label, url, current=path == url))
        if links:
            groups.append(MenuGroup(group.label, tuple(links)))
    return groups
