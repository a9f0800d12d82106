import uuid

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.forms import DateInput, DateTimeInput

from . import identity
from .models import SHORT_TEXT_MAX, TEXT_MAX, Exemption, State, TransparencyRequest
from .selectors import UNASSIGNED
from .services import active_officers as officers

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
INVALID_DATETIME = _("Introduzca una fecha y hora válidas (día, mes, año, hora y minutos).")
INVALID_DATE = _("Introduzca una fecha válida.")


def _textarea(rows, max_length):
    return forms.Textarea(attrs={"rows": rows, "maxlength": max_length})


def _datetime_field(label, **kwargs):
    return forms.DateTimeField(
        label=label,
        input_formats=DATETIME_FORMATS,
        widget=DateTimeInput(),
        error_messages={"invalid": INVALID_DATETIME},
        **kwargs,
    )


def _officer_label(user):
    return f"{user.get_full_name() or user.username} ({user.username})"


class TransparencyRequestForm(forms.ModelForm):
    """The citizen's data and what they ask. Deadlines are computed, never typed."""

    received_at = _datetime_field(_("Recibida el"), help_text=_("Fecha y hora de recepción; no puede ser futura."))
    client_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = TransparencyRequest
        fields = [
            "requester_name",
            "requester_document_type",
            "requester_document_number",
            "requester_email",
            "requester_phone",
            "requester_address",
            "channel",
            "received_at",
            "requested_information",
        ]
        widgets = {"requested_information": _textarea(6, TEXT_MAX)}
        help_texts = {"requested_information": _("Lo que el ciudadano pide, en sus términos.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The documents of the municipality's country, with their names and digits there.
        accepted = identity.choices()
        current = self.instance.requester_document_type
        if current and current not in dict(accepted):
            accepted.append((current, self.instance.get_requester_document_type_display()))
        self.fields["requester_document_type"].choices = [("", "---------"), *accepted]
        self.fields["requester_document_number"].help_text = identity.documents().help_text
        if self.instance.pk:
            del self.fields["client_token"]
        else:
            self.fields["client_token"].initial = uuid.uuid4
            self.fields["received_at"].initial = lambda: timezone.localtime().replace(second=0, microsecond=0)

    def _post_clean(self):
        # The model is validated by the service (one set of rules for every caller).
        pass

    def service_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Buscar"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("Estado"), required=False, choices=[("", _("Todos")), *State.choices])
    officer = forms.ChoiceField(label=_("Responsable"), required=False)
    overdue = forms.BooleanField(label=_("Solo vencidas"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].choices = [
            ("", _("Todos")),
            (UNASSIGNED, _("Sin asignar")),
            *((str(user.pk), _officer_label(user)) for user in officers()),
        ]


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comentario"), required=False, max_length=SHORT_TEXT_MAX, widget=_textarea(2, SHORT_TEXT_MAX)
    )

    def service_kwargs(self):
        return {"comment": self.cleaned_data["comment"]}


class AssignForm(CommentForm):
    officer = forms.ModelChoiceField(label=_("Responsable"), queryset=get_user_model().objects.none())

    field_order = ["officer", "comment"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers()
        self.fields["officer"].label_from_instance = _officer_label

    def service_kwargs(self):
        return {"officer": self.cleaned_data["officer"], "comment": self.cleaned_data["comment"]}


class ExtendForm(forms.Form):
    new_due_on = forms.DateField(
        label=_("Nueva fecha de entrega"), widget=DateInput(), error_messages={"invalid": INVALID_DATE}
    )
    communicated_at = _datetime_field(_("Comunicada al solicitante el"))
    justification = forms.CharField(
        label=_("Fundamento de la prórroga"), max_length=TEXT_MAX, widget=_textarea(3, TEXT_MAX)
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["communicated_at"].initial = lambda: timezone.localtime().replace(second=0, microsecond=0)

    def service_kwargs(self):
        return {
            "new_due_on": self.cleaned_data["new_due_on"],
            "communicated_at": self.cleaned_data["communicated_at"],
            "justification": self.cleaned_data["justification"],
        }


class AnswerForm(forms.Form):
    response_summary = forms.CharField(
        label=_("Resumen de la respuesta"), max_length=TEXT_MAX, widget=_textarea(4, TEXT_MAX)
    )
    answered_at = _datetime_field(_("Respondida el"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answered_at"].initial = lambda: timezone.localtime().replace(second=0, microsecond=0)

    def service_kwargs(self):
        return {
            "response_summary": self.cleaned_data["response_summary"],
            "answered_at": self.cleaned_data["answered_at"],
        }


class DenyForm(forms.Form):
    exemption = forms.ChoiceField(label=_("Excepción legal invocada"), choices=[("", "—"), *Exemption.choices])
    justification = forms.CharField(
        label=_("Fundamento de la denegatoria"), max_length=TEXT_MAX, widget=_textarea(4, TEXT_MAX)
    )
    answered_at = _datetime_field(_("Comunicada al solicitante el"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answered_at"].initial = lambda: timezone.localtime().replace(second=0, microsecond=0)

    def service_kwargs(self):
        return {
            "exemption": self.cleaned_data["exemption"],
            "justification": self.cleaned_data["justification"],
            "answered_at": self.cleaned_data["answered_at"],
        }


class ArchiveForm(forms.Form):
    reason = forms.CharField(
        label=_("Motivo del archivo"), max_length=SHORT_TEXT_MAX, widget=_textarea(2, SHORT_TEXT_MAX)
    )

    def service_kwargs(self):
        return {"reason": self.cleaned_data["reason"]}


ACTION_FORMS = {
    "assign": AssignForm,
    "start": CommentForm,
    "extend": ExtendForm,
    "answer": AnswerForm,
    "deny": DenyForm,
    "archive": ArchiveForm,
}


class LinkRequestForm(forms.Form):
    reference = forms.CharField(
        label=_("Referencia de la solicitud"),
        max_length=30,
        help_text=_("Por ejemplo: COM-2026-00042. Solo solicitudes que usted puede ver."),
    )

    def clean_reference(self):
        return self.cleaned_data["reference"].strip().upper()


class LinkVersionForm(forms.Form):
    version = forms.ModelChoiceField(label=_("Versión del documento"), queryset=None)

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = versions
        self.fields["version"].label_from_instance = lambda v: (
            f"{v.request.reference} · v{v.number} · {v.get_reason_display()}"
        )
