"""Forms of the scheduled publication (workflows.scheduling): parse only; the service
decides (a past moment, a request no longer approved...)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import DateTimeInput
from .models import SHORT_TEXT_MAX


class ScheduleForm(forms.Form):
    publish_at = forms.DateTimeField(
        label=_("Publicar el (fecha y hora)"),
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
    )
    channel = forms.CharField(label=_("Medio o canal"), max_length=120)
    url = forms.URLField(label=_("Enlace (si lo hay)"), required=False, max_length=500, assume_scheme="https")
    # The revision the page showed (always sent by the page): a stale page is refused.
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        # Ids of their own: the publish form on the same page has a channel and a link too.
        kwargs.setdefault("auto_id", "schedule_%s")
        super().__init__(*args, **kwargs)

    def service_kwargs(self):
        return {
            "publish_at": self.cleaned_data["publish_at"],
            "channel": self.cleaned_data["channel"],
            "url": self.cleaned_data["url"],
            "expected_revision": self.cleaned_data["revision"],
        }


class UnscheduleForm(forms.Form):
    reason = forms.CharField(
        label=_("Motivo"), max_length=SHORT_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2, "maxlength": 2000})
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "unschedule_%s")
        super().__init__(*args, **kwargs)
