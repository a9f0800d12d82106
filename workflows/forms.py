import uuid

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.country import country
from organization.models import Unit

from .models import (
    BODY_MAX,
    SHORT_TEXT_MAX,
    SUMMARY_MAX,
    CampaignDetails,
    Channel,
    Kind,
    MaterialRequest,
    PublicationDetails,
    SignageDetails,
    SpeechDetails,
    State,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _textarea(rows, max_length):
    return forms.Textarea(attrs={"rows": rows, "maxlength": max_length})


class RequestForm(forms.ModelForm):
    """The fields every kind shares. `revision` is the version of the request the page
    showed, so that a save over someone else's newer change is refused."""

    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("Unidad solicitante"))
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    client_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = MaterialRequest
        fields = ["unit", "title", "requested_by", "summary", "body", "emergency"]
        widgets = {
            "requested_by": DateInput(),
            "summary": _textarea(3, SUMMARY_MAX),
            "body": _textarea(12, BODY_MAX),
        }
        help_texts = {
            "requested_by": _("Fecha en que la unidad necesita el material."),
            "summary": _("En pocas líneas: qué se necesita y para qué."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].widget.attrs["autofocus"] = True
        if self.instance.pk:
            # The unit of an existing request does not change.
            del self.fields["unit"]
            self.fields["revision"].initial = self.instance.revision
        else:
            del self.fields["revision"]
            self.fields["client_token"].initial = uuid.uuid4
            units = Unit.objects.filter(memberships__user=user, is_active=True).order_by("name")
            self.fields["unit"].queryset = units
            if len(units) == 1:
                self.fields["unit"].initial = units[0]

    def clean_requested_by(self):
        value = self.cleaned_data["requested_by"]
        changed = not self.instance.pk or value != self.instance.requested_by
        if changed and value < timezone.localdate():
            raise forms.ValidationError(_("La fecha requerida no puede estar en el pasado."))
        return value


class ChannelsField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(choices=Channel.choices, label=_("Canales"), **kwargs)


class PublicationDetailsForm(forms.ModelForm):
    channels = ChannelsField()

    class Meta:
        model = PublicationDetails
        fields = ["format", "channels", "lead", "contact"]
        widgets = {"lead": _textarea(3, SHORT_TEXT_MAX), "contact": _textarea(2, SHORT_TEXT_MAX)}
        help_texts = {"lead": _("Primer párrafo que resume la noticia (para notas de prensa).")}


class CampaignDetailsForm(forms.ModelForm):
    channels = ChannelsField()

    class Meta:
        model = CampaignDetails
        fields = ["campaign_type", "objective", "audience", "channels", "start_date", "end_date", "budget"]
        widgets = {
            "objective": _textarea(3, SHORT_TEXT_MAX),
            "start_date": DateInput(),
            "end_date": DateInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The currency of the municipality's country, not the model's default (soles).
        profile = country()
        self.fields["budget"].label = _("Presupuesto (%(symbol)s)") % {"symbol": profile.currency_symbol}
        self.fields["budget"].help_text = _("En %(currency)s, con dos decimales como máximo; 0 si no tiene costo.") % {
            "currency": profile.currency_name
        }

    def clean(self):
        cleaned = super().clean()
        # The end-after-start rule lives in CampaignDetails.clean(), run by the model form.
        start = cleaned.get("start_date")
        if start and (not self.instance.pk or start != self.instance.start_date) and start < timezone.localdate():
            self.add_error("start_date", _("La campaña no puede empezar en el pasado."))
        return cleaned


class SpeechDetailsForm(forms.ModelForm):
    class Meta:
        model = SpeechDetails
        fields = ["event_name", "place", "event_at", "speaker", "duration_minutes", "key_messages"]
        widgets = {"event_at": DateTimeInput(), "key_messages": _textarea(4, SHORT_TEXT_MAX)}
        help_texts = {"duration_minutes": _("Entre 1 y 240 minutos.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["speaker"].initial = _("Alcalde")

    def clean_event_at(self):
        value = self.cleaned_data["event_at"]
        if (not self.instance.pk or value != self.instance.event_at) and value < timezone.now():
            raise forms.ValidationError(_("El evento no puede estar en el pasado."))
        return value


class SignageDetailsForm(forms.ModelForm):
    class Meta:
        model = SignageDetails
        fields = [
            "premises",
            "address",
            "location_detail",
            "sign_type",
            "dimensions",
            "material",
            "quantity",
            "sign_text",
        ]
        widgets = {"sign_text": _textarea(3, SHORT_TEXT_MAX)}
        help_texts = {"dimensions": _("Por ejemplo: 60 × 40 cm.")}


DETAILS_FORMS = {
    Kind.PUBLICATION: PublicationDetailsForm,
    Kind.CAMPAIGN: CampaignDetailsForm,
    Kind.SPEECH: SpeechDetailsForm,
    Kind.SIGNAGE: SignageDetailsForm,
}


class ActionForm(forms.Form):
    """A transition: its comment (a reason where the action needs one) and the
    revision of the page it came from."""

    comment = forms.CharField(
        label=_("Comentario"), required=False, max_length=SHORT_TEXT_MAX, widget=_textarea(3, SHORT_TEXT_MAX)
    )
    revision = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, action, **kwargs):
        # The request page holds one form per action, each with a comment: ids by action
        # (id_observe_comment, id_forward_comment…) keep every label tied to its own field.
        kwargs.setdefault("auto_id", f"id_{action.code}_%s")
        super().__init__(*args, **kwargs)
        self.action = action
        if action.reason_required:
            self.fields["comment"].required = True
            self.fields["comment"].label = action.reason_label
            self.fields["comment"].widget.attrs["required"] = True

    def service_kwargs(self):
        return {"comment": self.cleaned_data["comment"], "expected_revision": self.cleaned_data["revision"]}


class PublishForm(ActionForm):
    channel = forms.CharField(label=_("Medio o canal"), max_length=120)
    date = forms.DateField(label=_("Fecha"), widget=DateInput())
    url = forms.URLField(label=_("Enlace (si lo hay)"), required=False, max_length=500, assume_scheme="https")

    field_order = ["channel", "date", "url", "comment", "revision"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate

    def clean_date(self):
        value = self.cleaned_data["date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("La fecha no puede ser futura."))
        return value

    def service_kwargs(self):
        return {
            **super().service_kwargs(),
            "channel": self.cleaned_data["channel"],
            "date": self.cleaned_data["date"],
            "url": self.cleaned_data["url"],
        }


def action_form_class(action):
    return PublishForm if action.code in ("publish", "urgent_publish") else ActionForm


class RequestFilterForm(forms.Form):
    q = forms.CharField(label=_("Buscar"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("Estado"), required=False)
    kind = forms.ChoiceField(label=_("Tipo"), required=False, choices=[("", _("Todos")), *Kind.choices])
    date_from = forms.DateField(label=_("Desde"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Hasta"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("Todos")), *State.choices]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_to"] < cleaned["date_from"]:
            self.add_error("date_to", _("«Hasta» no puede ser anterior a «Desde»."))
        return cleaned


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Archivo"), allow_empty_file=True)
    description = forms.CharField(label=_("Descripción"), required=False, max_length=200)


class ShareForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False, label=_("Unidad"))
    user = forms.ModelChoiceField(queryset=None, required=False, label=_("Persona"))
    reason = forms.CharField(
        label=_("Motivo"), max_length=SHORT_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2, "maxlength": 2000})
    )

    def __init__(self, *args, material_request, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(is_active=True).exclude(pk=material_request.unit_id)
        self.fields["user"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")
        self.fields["user"].label_from_instance = lambda user: (
            f"{user.get_full_name() or user.username} ({user.username})"
        )

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("unit")) == bool(cleaned.get("user")):
            raise forms.ValidationError(_("Elija una unidad o una persona, no ambas."))
        return cleaned


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Motivo"), max_length=SHORT_TEXT_MAX)
