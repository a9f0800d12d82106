import re
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from organization.models import Unit
from workflows.forms import DateInput
from workflows.models import Kind, PublicationFormat

from .models import DESCRIPTION_MAX, MAX_LEAD_DAYS, CalendarEvent, Category

INVALID_DATE = _("Introduzca una fecha válida (día, mes y año).")
INVALID_TIME = _("Introduzca una hora válida (horas y minutos).")

# What the create form offers to record at once: (kind, publication format).
NEED_CHOICES = [
    (f"{Kind.SPEECH.value}:", _("Discurso del Alcalde")),
    (f"{Kind.PUBLICATION.value}:{PublicationFormat.PRESS_RELEASE.value}", _("Nota de prensa")),
    (f"{Kind.PUBLICATION.value}:{PublicationFormat.SOCIAL_POST.value}", _("Post para redes sociales")),
    (f"{Kind.CAMPAIGN.value}:", _("Campaña")),
    (f"{Kind.SIGNAGE.value}:", _("Señalización")),
]


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class EventForm(forms.ModelForm):
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    client_token = forms.UUIDField(widget=forms.HiddenInput, required=False)
    needs = forms.MultipleChoiceField(
        label=_("Material que necesita"),
        choices=NEED_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Cada uno se registra con la anticipación configurada para su tipo; luego puede generar sus solicitudes."
        ),
    )

    class Meta:
        model = CalendarEvent
        fields = [
            "title",
            "category",
            "start_date",
            "end_date",
            "all_day",
            "start_time",
            "end_time",
            "place",
            "unit",
            "internal",
            "description",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "start_time": TimeInput(),
            "end_time": TimeInput(),
            "description": forms.Textarea(attrs={"rows": 5, "maxlength": DESCRIPTION_MAX}),
        }
        help_texts = {
            "end_date": _("Vacía: el mismo día del inicio."),
            "place": _("Dirección o local."),
            "unit": _("La unidad orgánica que organiza o pide el material; recibe las solicitudes generadas."),
        }
        error_messages = {
            "start_date": {"invalid": INVALID_DATE},
            "end_date": {"invalid": INVALID_DATE},
            "start_time": {"invalid": INVALID_TIME},
            "end_time": {"invalid": INVALID_TIME},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].widget.attrs["autofocus"] = True
        self.fields["end_date"].required = False
        self.fields["unit"].queryset = Unit.objects.filter(is_active=True).order_by("name")
        if self.instance.pk:
            del self.fields["client_token"]
            del self.fields["needs"]
            self.fields["revision"].initial = self.instance.revision
            if self.instance.unit_id and not self.instance.unit.is_active:
                self.fields["unit"].queryset = Unit.objects.filter(pk=self.instance.unit_id) | Unit.objects.filter(
                    is_active=True
                )
        else:
            del self.fields["revision"]
            self.fields["client_token"].initial = uuid.uuid4

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("all_day"):
            cleaned["start_time"] = cleaned["end_time"] = None
        elif "start_time" in cleaned and cleaned.get("start_time") is None and "start_time" not in self.errors:
            self.add_error("start_time", _("Indique la hora de inicio o marque «todo el día»."))
        return cleaned

    def _post_clean(self):
        # The model's own checks run in the service (full_clean), with the same messages.
        pass

    def service_data(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        data["description"] = (data["description"] or "").strip()
        data["place"] = (data["place"] or "").strip()
        data["title"] = (data["title"] or "").strip()
        return data

    def service_needs(self) -> list[tuple[str, str]]:
        return [tuple(value.split(":", 1)) for value in self.cleaned_data.get("needs") or []]


class NeedForm(forms.Form):
    kind = forms.ChoiceField(label=_("Tipo de solicitud"), choices=Kind.choices)
    publication_format = forms.ChoiceField(
        label=_("Formato (publicaciones)"),
        choices=[("", _("— Cualquiera —")), *PublicationFormat.choices],
        required=False,
    )
    title = forms.CharField(
        label=_("Título"), max_length=200, required=False, help_text=_("Vacío: «Tipo: título del evento».")
    )
    lead_days = forms.IntegerField(
        label=_("Días hábiles de anticipación"),
        min_value=0,
        max_value=MAX_LEAD_DAYS,
        required=False,
        help_text=_("Vacío: la anticipación configurada para el tipo."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_need_%s")
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("publication_format") and cleaned.get("kind") != Kind.PUBLICATION:
            self.add_error("publication_format", _("El formato solo se indica para publicaciones."))
        return cleaned


class LinkForm(forms.Form):
    reference = forms.CharField(
        label=_("Referencia de una solicitud existente"),
        max_length=30,
        widget=forms.TextInput(attrs={"placeholder": "COM-2026-00042", "size": 16}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_link_%s")
        super().__init__(*args, **kwargs)

    def clean_reference(self):
        return self.cleaned_data["reference"].strip().upper()


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Motivo de la anulación"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2, "maxlength": 2000})
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_cancel_%s")
        super().__init__(*args, **kwargs)


MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str) -> tuple[int, int] | None:
    """'2026-12' -> (2026, 12); None when it is not a month between 1900 and 2999."""
    match = MONTH_RE.match((value or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1900 <= year <= 2999 and 1 <= month <= 12):
        return None
    return year, month


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "month", "placeholder": "AAAA-MM"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        month = parse_month(value)
        if month is None:
            raise forms.ValidationError(_("Indique el mes como AAAA-MM (por ejemplo, 2026-12)."))
        return month


class FilterForm(forms.Form):
    category = forms.ChoiceField(label=_("Categoría"), choices=[("", _("Todas")), *Category.choices], required=False)
    unit = forms.ModelChoiceField(
        label=_("Unidad"), queryset=Unit.objects.order_by("name"), required=False, empty_label=_("Todas")
    )
    mes = MonthField(label=_("Mes"), required=False, help_text=_("Vacío: los próximos eventos."))
