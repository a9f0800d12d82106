from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from notifications.models import Kind
from workflows.models import SHORT_TEXT_MAX

DECISIONS = [("approve", _("Aprobar")), ("return", _("Devolver a la unidad"))]


class DecisionForm(forms.Form):
    """Approve or return one request from the inbox, with a comment."""

    decision = forms.ChoiceField(choices=DECISIONS, label=_("Decisión"))
    comment = forms.CharField(label=_("Comentario"), required=False, max_length=SHORT_TEXT_MAX)
    revision = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "return" and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", _("Para devolver, indique el motivo."))
        return cleaned


class BulkApproveForm(forms.Form):
    """Several requests approved with one comment; each is still its own decision."""

    requests = forms.TypedMultipleChoiceField(coerce=int, choices=(), label=_("Solicitudes"))
    comment = forms.CharField(label=_("Comentario"), required=False, max_length=SHORT_TEXT_MAX)

    MAX_ITEMS = 100

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        # Any id is accepted here; each one is checked by the service, item by item.
        ids = data.getlist("requests") if data is not None else []
        self.fields["requests"].choices = [(value, value) for value in ids]
        self.fields["requests"].error_messages["required"] = _("Seleccione al menos una solicitud.")

    def clean_requests(self):
        values = self.cleaned_data["requests"]
        if len(values) > self.MAX_ITEMS:
            raise forms.ValidationError(_("Como máximo %(max)d solicitudes a la vez.") % {"max": self.MAX_ITEMS})
        return list(dict.fromkeys(values))

    def revision_for(self, pk) -> int | None:
        value = self.data.get(f"revision-{pk}", "")
        return int(value) if value.isdigit() else None


class ReassignForm(forms.Form):
    to_user = forms.ModelChoiceField(queryset=get_user_model().objects.filter(is_active=True), label=_("Reasignar a"))


class NotificationFilterForm(forms.Form):
    estado = forms.ChoiceField(
        label=_("Mostrar"),
        required=False,
        choices=[("", _("Todas")), ("unread", _("Sin leer")), ("read", _("Leídas"))],
    )
    tipo = forms.ChoiceField(label=_("Tipo"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tipo"].choices = [("", _("Todos")), *Kind.choices]


class NotificationCursorForm(forms.Form):
    """Where a page of the inbox's notifications starts: older than one, or newer than one."""

    antes = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    despues = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("antes") and cleaned.get("despues"):
            raise forms.ValidationError(_("La página de notificaciones pedida no es válida."))
        return cleaned
