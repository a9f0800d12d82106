"""The audit log's filters: one form for the page and both exports."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from audit.labels import action_choices
from organization.models import Unit
from workflows.models import Kind, MaterialRequest


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DayField(forms.DateField):
    """A day, as typed or chosen; a malformed one is quoted back in the message, since a
    browser's date picker cannot show what it could not read."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError as error:
            raise forms.ValidationError(
                _("«%(label)s» no es una fecha válida («%(value)s»): escríbala como dd/mm/aaaa o aaaa-mm-dd."),
                code="invalid",
                params={"label": self.label, "value": str(value)[:40]},
            ) from error


class AuditLogFilterForm(forms.Form):
    user = forms.CharField(
        label=_("Usuario"),
        required=False,
        max_length=150,
        help_text=_("Nombre de usuario de quien actuó o por encargo de quien se actuó (por ejemplo, jperez)."),
    )
    action = forms.ChoiceField(label=_("Acción"), required=False)
    unit = forms.ModelChoiceField(
        label=_("Unidad"), required=False, queryset=Unit.objects.order_by("name"), empty_label=_("Todas")
    )
    kind = forms.ChoiceField(label=_("Tipo de solicitud"), required=False, choices=[("", _("Todos")), *Kind.choices])
    date_from = DayField(label=_("Desde"), required=False, widget=DateInput())
    date_to = DayField(label=_("Hasta"), required=False, widget=DateInput())
    reference = forms.CharField(label=_("Referencia"), required=False, max_length=30)
    # The trail of one request (the timeline's exports); not shown among the filters.
    request = forms.ModelChoiceField(
        label=_("Solicitud"),
        required=False,
        queryset=MaterialRequest.objects.all(),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("No existe la solicitud indicada.")},
    )

    # Filters, in the order an export's audit event lists them.
    FILTER_FIELDS = ("user", "action", "unit", "kind", "date_from", "date_to", "reference", "request")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("Todas")), *action_choices()]

    def clean_user(self):
        username = self.cleaned_data["user"].strip()
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            user = get_user_model().objects.filter(username__iexact=username).order_by("pk").first()
        if user is None:
            raise forms.ValidationError(
                _("No hay ningún usuario «%(username)s»: escriba el nombre de usuario con que esa persona ingresa.")
                % {"username": username}
            )
        return user

    def clean_reference(self):
        return self.cleaned_data["reference"].strip()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_to"] < cleaned["date_from"]:
            self.add_error("date_to", _("«Hasta» no puede ser anterior a «Desde»."))
        return cleaned

    def filters(self) -> dict:
        """The cleaned filters, as keyword arguments of audit.selectors.filtered_events."""
        data = self.cleaned_data
        return {name: data.get(name) for name in self.FILTER_FIELDS}

    def described_filters(self) -> dict:
        """The filters that were set, as JSON-safe values, for the export's audit event."""
        described = {}
        for name, value in self.filters().items():
            if value in (None, ""):
                continue
            if name == "user":
                value = value.get_username()
            elif name in ("unit", "request"):
                value = value.pk
            elif name in ("date_from", "date_to"):
                value = value.isoformat()
            described[name] = value
        return described


class CursorForm(forms.Form):
    """Where a page of the log starts: older than one event, or newer than one."""

    before = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    after = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("before") and cleaned.get("after"):
            raise forms.ValidationError(_("La página pedida no es válida."))
        return cleaned
