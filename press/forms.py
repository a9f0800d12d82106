import re
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organization.models import Unit
from workflows.forms import DateInput
from workflows.models import Channel, Kind, MaterialRequest, PublicationFormat, State

from .models import NOTES_MAX, Coverage, MediumType, Tone
from .selectors import linkable_requests

MONTH_NAMES = [
    (1, _("enero")),
    (2, _("febrero")),
    (3, _("marzo")),
    (4, _("abril")),
    (5, _("mayo")),
    (6, _("junio")),
    (7, _("julio")),
    (8, _("agosto")),
    (9, _("septiembre")),
    (10, _("octubre")),
    (11, _("noviembre")),
    (12, _("diciembre")),
]
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str) -> date | None:
    """'2026-03' -> date(2026, 3, 1); None when it is not a month."""
    match = MONTH_PATTERN.match((value or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


class MonthField(forms.CharField):
    """A month as YYYY-MM (the browser's month input); cleans to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "AAAA-MM"})
    default_error_messages = {"invalid": _("Indique un mes válido con el formato AAAA-MM (por ejemplo, 2026-03).")}

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        month = parse_month(value)
        if month is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return month

    def prepare_value(self, value):
        return value.strftime("%Y-%m") if isinstance(value, date) else value


def _request_label(material_request) -> str:
    return f"{material_request.reference} · {material_request.title}"


class RequestChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _request_label(obj)


class ArchiveFilterForm(forms.Form):
    q = forms.CharField(label=_("Buscar"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Tipo"), required=False, choices=[("", _("Todos")), *Kind.choices])
    format = forms.ChoiceField(
        label=_("Formato"), required=False, choices=[("", _("Todos")), *PublicationFormat.choices]
    )
    unit = forms.ModelChoiceField(
        label=_("Unidad"), required=False, queryset=Unit.objects.order_by("name"), empty_label=_("Todas")
    )
    channel = forms.ChoiceField(label=_("Canal"), required=False, choices=[("", _("Todos")), *Channel.choices])
    year = forms.IntegerField(
        label=_("Año"),
        required=False,
        min_value=2000,
        max_value=2100,
        error_messages={"invalid": _("Indique un año (por ejemplo, 2026).")},
    )
    month = forms.TypedChoiceField(
        label=_("Mes"), required=False, coerce=int, empty_value=None, choices=[("", _("Todos")), *MONTH_NAMES]
    )
    state = forms.ChoiceField(
        label=_("Estado"),
        required=False,
        choices=[("", _("Todos")), (State.PUBLISHED, _("Vigente")), (State.WITHDRAWN, _("Retirada"))],
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("month") and not cleaned.get("year"):
            self.add_error("year", _("Indique el año para filtrar por mes."))
        return cleaned

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "search": data["q"].strip(),
            "kind": data["kind"],
            "publication_format": data["format"],
            "unit": data["unit"],
            "channel": data["channel"],
            "year": data["year"],
            "month": data["month"],
            "state": data["state"],
        }


class CoverageFilterForm(forms.Form):
    q = forms.CharField(label=_("Buscar"), required=False, max_length=100)
    month = MonthField(label=_("Mes"), required=False)
    tone = forms.ChoiceField(label=_("Tono"), required=False, choices=[("", _("Todos")), *Tone.choices])
    medium = forms.CharField(label=_("Medio"), required=False, max_length=150)
    medium_type = forms.ChoiceField(
        label=_("Tipo de medio"), required=False, choices=[("", _("Todos")), *MediumType.choices]
    )
    request = RequestChoiceField(
        label=_("Solicitud relacionada"),
        required=False,
        queryset=MaterialRequest.objects.none(),
        empty_label=_("Todas"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["request"].queryset = linkable_requests(user)
        self.fields["request"].error_messages["invalid_choice"] = _(
            "Elija una solicitud publicada que usted pueda ver."
        )

    def filters(self) -> dict:
        data = self.cleaned_data
        month = data["month"]
        return {
            "search": data["q"].strip(),
            "start": month,
            "end": month_end(month) if month else None,
            "tone": data["tone"],
            "medium": data["medium"].strip(),
            "medium_type": data["medium_type"],
            "request": data["request"],
        }


def month_end(first: date) -> date:
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


class CoverageForm(forms.ModelForm):
    """A piece of coverage. The service validates again (one set of rules for every caller)."""

    clipping = forms.FileField(
        label=_("Recorte (PDF, PNG o JPEG)"),
        required=False,
        allow_empty_file=True,
        help_text=_("Se reconoce por su contenido, no por el nombre del archivo."),
    )
    remove_clipping = forms.BooleanField(label=_("Quitar el recorte actual"), required=False)
    url = forms.URLField(
        label=_("Enlace"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Enlace a la nota, el audio o el video. Indique el enlace, el recorte o ambos."),
    )

    class Meta:
        model = Coverage
        # The link is declared above (a URLField that assumes https): listing it here would
        # build Django's default one first.
        fields = ["medium", "medium_type", "published_on", "headline", "tone", "request", "notes"]
        field_classes = {"request": RequestChoiceField}
        widgets = {
            "published_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3, "maxlength": NOTES_MAX}),
        }
        help_texts = {
            "medium": _("Nombre del medio: diario, radio, canal o portal."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        choices = linkable_requests(user)
        if self.instance.request_id:
            # An existing link stays selectable (the service keeps an unchanged link).
            choices = choices | MaterialRequest.objects.filter(pk=self.instance.request_id)
        request_field = self.fields["request"]
        request_field.queryset = choices.select_related(None).order_by("-publication_date", "-pk")
        request_field.empty_label = _("Ninguna")
        request_field.error_messages["invalid_choice"] = _("Elija una solicitud publicada que usted pueda ver.")
        self.fields["published_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.fields["published_on"].error_messages["invalid"] = _("Introduzca una fecha válida.")
        if not self.instance.clipping:
            del self.fields["remove_clipping"]

    def _post_clean(self):
        # The model is validated by the service.
        pass

    def service_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in (*self.Meta.fields, "url")}
