from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.shortcuts import redirect
from django.views import View
from django.views.generic import ListView, TemplateView

from audit import retention, verification
from audit.filters import AuditEventFilterSet
from audit.selectors import audit_event_list, legal_hold_list, purge_run_list
from core.downloads import csv_streaming_response
from core.exceptions import ApplicationError
from core.tables import Column, SortedTableMixin

CSV_COLUMNS = (
    "seq",
    "at",
    "actor_name",
    "action",
    "target_type",
    "target_id",
    "target_repr",
    "changes",
    "reason",
    "request_id",
    "ip_address",
    "prev_hash",
    "hash",
)


class AuditEventListView(LoginRequiredMixin, PermissionRequiredMixin, SortedTableMixin, ListView):
    """The trail with filters and sortable columns; `?format=csv` exports every matching event (streamed), with
    the hashes a verifier needs."""

    permission_required = "audit.view_auditevent"
    raise_exception = True
    template_name = "audit/event_list.html"
    paginate_by = 50
    columns = (
        Column("seq", "#", ("seq",)),
        Column("at", "When (UTC)", ("at", "seq")),
        Column("actor", "Who", ("actor_name",)),
        Column("action", "Action", ("action",)),
        Column("target", "Target", ("target_repr",)),
        Column("changes", "Changes"),
        Column("reason", "Reason"),
    )
    export_filename = "lodestar-audit-trail.csv"

    def get_queryset(self):
        self.filterset = AuditEventFilterSet(
            self.request.GET or None, queryset=audit_event_list(user=self.request.user)
        )
        return self.sorted(self.filterset.qs)

    def export_csv(self):
        rows = self.get_queryset().values_list(*CSV_COLUMNS).iterator(chunk_size=2000)
        return csv_streaming_response(CSV_COLUMNS, rows, self.export_filename)

    def get_template_names(self):
        return ["audit/partials/event_table.html"] if self.request.htmx else [self.template_name]

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        if not self.request.htmx:  # the integrity panel sits above the filters, outside the swapped table
            kwargs |= {
                "checkpoint": verification.checkpoint_status(),
                "last_verification": verification.last_verification(),
                "may_verify": self.request.user.has_perm(verification.VERIFY_PERMISSION),
            }
        return super().get_context_data(filterset=self.filterset, query=query.urlencode(), **kwargs)


class AuditVerifyView(LoginRequiredMixin, View):
    """POST: verify the chain and its checkpoints now (platform admins); the result is recorded and shown."""

    http_method_names = ["post"]

    def post(self, request):
        try:
            result = verification.audit_verify(actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("audit:event_list")
        if result.ok:
            messages.success(
                request,
                f"Audit trail intact: {result.chain.checked} events verified, "
                f"{result.checkpoints} external checkpoints matched.",
            )
        else:
            messages.error(request, f"The audit trail does not verify. {result.problem}")
        return redirect("audit:event_list")


class RetentionView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """The retention policy, the legal holds the user may see, and the latest purge runs."""

    permission_required = "audit.view_legalhold"
    raise_exception = True
    template_name = "audit/retention.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            policy=retention.retention_policy(),
            holds=legal_hold_list(user=user)[:100],
            runs=purge_run_list(user=user)[:20],
            **kwargs,
        )
