"""Small helpers the pages of every app share to run a command: a service's refusal becomes a message."""

from django.contrib import messages
from django.shortcuts import redirect

from core.exceptions import ApplicationError


def flash(request, action) -> bool:
    """Run a service call; its refusal becomes an error message. True when it succeeded."""
    try:
        action()
        return True
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return False


def form_errors(request, form) -> None:
    messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))


def post_step(request, form, call, success: str) -> bool:
    """Validate a step's form and run its service; errors become messages. True when it succeeded."""
    if not form.is_valid():
        form_errors(request, form)
        return False
    if flash(request, lambda: call(form.cleaned_data)):
        messages.success(request, success)
        return True
    return False


def create_then_show(view, form, service, success: str, route: str):
    """A list page's create form: `service` creates the record; on success open it, else show the list with the
    form's errors."""
    created = []
    request = view.request
    if post_step(request, form, lambda data: created.append(service(actor=request.user, **data)), success):
        return redirect(route, pk=created[0].pk)
    view.object_list = view.get_queryset()
    return view.render_to_response(view.get_context_data(form=form))
