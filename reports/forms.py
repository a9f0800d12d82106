from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.exceptions import InvalidInput

from .periods import PeriodKind, parse_month, parse_year


class MonthInput(forms.TextInput):
    input_type = "month"


class GenerateReportForm(forms.Form):
    """A month (the monthly report) or a year (the memoria anual): the same parsers as
    `manage.py compile_report`, so both refuse with the same message."""

    period_kind = forms.ChoiceField(
        label=_("Informe"), choices=PeriodKind.choices, initial=PeriodKind.MONTH, widget=forms.RadioSelect
    )
    month = forms.CharField(
        label=_("Mes"), required=False, max_length=20, widget=MonthInput(), help_text=_("AAAA-MM, p. ej. 2026-11.")
    )
    year = forms.CharField(label=_("Año"), required=False, max_length=20, help_text=_("Para la memoria anual."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["month"].initial = f"{today:%Y-%m}"
        self.fields["year"].initial = str(today.year)
        self.fields["month"].widget.attrs["max"] = f"{today:%Y-%m}"

    def clean(self):
        data = super().clean()
        kind = data.get("period_kind")
        if kind == PeriodKind.MONTH:
            field, parse = "month", parse_month
        elif kind == PeriodKind.YEAR:
            field, parse = "year", parse_year
        else:
            return data
        value = (data.get(field) or "").strip()
        if not value:
            self.add_error(field, _("Indique el periodo del informe."))
            return data
        try:
            data["period"] = parse(value)
        except InvalidInput as error:
            self.add_error(field, error.message)
        return data
