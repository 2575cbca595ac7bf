"""The landing dashboards, in the order that decides a user's main role, and the menu built from them."""

from dataclasses import dataclass


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


def landings_for(user) -> list[Landing]:
    if not (user.is_authenticated and user.is_active):
        return []
    return [landing for landing in LANDINGS if user.has_perm(landing.permission)]
