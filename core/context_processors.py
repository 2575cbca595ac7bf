from django.urls import reverse

from core.navigation import landings_for


def navigation(request) -> dict:
    """Menu entries for the signed-in user: only what their permissions open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_dashboards": [], "nav_links": []}
    links = [
        ("Use cases", reverse("portfolio:usecase_list")),
        ("Models", reverse("lifecycle:model_list")),
        ("Datasets", reverse("lifecycle:dataset_list")),
        ("Alerts", reverse("monitoring:alert_list")),
        ("Cost", reverse("monitoring:cost")),
        ("Health", reverse("monitoring:health_list")),
        ("Ranking", reverse("portfolio:ranking")),
        ("Roadmap", reverse("portfolio:roadmap")),
        ("Strategy", reverse("portfolio:objective_list")),
        ("Reviews", reverse("portfolio:review_list")),
        ("Sign-offs", reverse("governance:review_queue")),
        ("Compliance", reverse("governance:compliance")),
        ("Concerns", reverse("governance:concern_list")),
        ("Vendors", reverse("governance:vendor_list")),
        ("Technology", reverse("governance:evaluation_list")),
        ("Audits", reverse("governance:external_audit_list")),
        ("Benefits", reverse("portfolio:benefits")),
    ]
    if user.has_perm("audit.view_auditevent"):
        links.append(("Audit trail", reverse("audit:event_list")))
    if user.is_staff:
        links.append(("Admin", reverse("admin:index")))
    links.append(("API", reverse("api-docs")))
    return {
        "nav_dashboards": [(landing.label, reverse(landing.url_name)) for landing in landings_for(user)],
        "nav_links": links,
    }
