"""A person's own choice of the language of their e-mails (issue 30): /accounts/language/.
The signed-in pages stay in English this round; the e-mails (reminder digests, closure
notices, account e-mails) follow this choice."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from .models import LanguagePreference
from .users import set_language


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language of your e-mails"),
        choices=[
            ("en", "English"),  # each language by its own name
            ("cy", "Cymraeg"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose English or Cymraeg")},
    )


def language(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # signed in: LoginRequiredMiddleware
    current = (
        LanguagePreference.objects.filter(user=user).values_list("language", flat=True).first()
    ) or "en"
    form = LanguageForm(request.POST or None, initial={"language": current})
    if request.method == "POST" and form.is_valid():
        set_language(user, form.cleaned_data["language"])
        messages.success(request, gettext("Your e-mails will be in the language you chose."))
        return HttpResponseRedirect(reverse("language"))
    return render(
        request, "registration/language.html", {"form": form}, status=400 if form.errors else 200
    )
