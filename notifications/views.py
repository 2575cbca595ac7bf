from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from notifications import selectors, services


@login_required
def inbox(request):
    page = Paginator(selectors.notification_list(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page_obj": page})


@login_required  # first: anonymous callers go to the login page, whatever the method
@require_POST
def mark_read(request):
    ids = [int(value) for value in request.POST.getlist("id") if value.isdigit()] or None
    services.notifications_mark_read(user=request.user, ids=ids)
    return redirect("notifications:inbox")
