"""The user's own page of API tokens: create one (its key shown once), revoke one."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from api.forms import TokenForm
from api.models import ApiToken
from api.services import token_create, token_revoke
from config.refusals import Refused


@never_cache
def tokens(request):
    """GET: the list and the form. POST create: the page again, with the new key shown this once
    (never stored, never put in a message or a redirect). POST revoke: back to the list."""
    form = TokenForm()
    new_key = None
    if request.method == "POST" and "revoke" in request.POST:
        token_id = request.POST.get("revoke", "")
        if token_id.isdigit() and token_revoke(user=request.user, token_id=int(token_id)):
            messages.success(
                request, _("Đã thu hồi khóa; các chương trình dùng khóa này không gọi được nữa.")
            )
        else:
            messages.info(request, _("Khóa này đã được thu hồi."))
        return redirect("api:tokens")
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                token, new_key = token_create(user=request.user, name=form.cleaned_data["name"])
            except Refused as exc:
                form.add_refusal(exc)
            else:
                form = TokenForm()
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": ApiToken.objects.filter(user=request.user),
            "new_key": new_key,
        },
        status=400 if form.errors else 200,
    )
