from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .models import Delegation


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DelegationForm(forms.ModelForm):
    class Meta:
        model = Delegation
        fields = ["delegate", "starts_on", "ends_on", "resolution", "notes"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "resolution": _("Por ejemplo: Resolución de Alcaldía N.º 123-2026-MDPL."),
            "delegate": _(
                "Otro gerente o el personal de comunicaciones que indica la configuración; nunca un miembro "
                "de una unidad solicitante. Si elige a alguien que no puede recibirla, se le dirá por qué."
            ),
        }

    def __init__(self, *args, delegator, **kwargs):
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(is_active=True).exclude(pk=delegator.pk).order_by("username")
        self.fields["delegate"].queryset = users
        self.fields["delegate"].label_from_instance = lambda u: f"{u.get_full_name() or u.username} ({u.username})"


class RevokeDelegationForm(forms.Form):
    reason = forms.CharField(label=_("Motivo de la revocación"), max_length=2000)
