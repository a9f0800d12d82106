from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.forms import DateInput

from . import selectors, services
from .distribution import SUBJECT_MAX
from .models import (
    MESSAGE_MAX,
    NOTES_MAX,
    ContactKind,
    CoverageArea,
    Distribution,
    DistributionList,
    ImportBatch,
    InstitutionalContact,
    Journalist,
    MediaOutlet,
    OutletType,
)

ACTIVE_CHOICES = [("", _("Todos")), (selectors.ACTIVE, _("Activos")), (selectors.INACTIVE, _("Inactivos"))]


class ServiceValidatedForm(forms.ModelForm):
    """Field types and sizes here; the rules (duplicates, phones, active outlets) in the
    service, one set for the pages and the import."""

    def _post_clean(self):
        pass

    def service_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class OutletForm(ServiceValidatedForm):
    website = forms.URLField(
        label=_("sitio web"),
        required=False,
        max_length=300,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )

    class Meta:
        model = MediaOutlet
        fields = list(services.OUTLET_FIELDS)


class JournalistForm(ServiceValidatedForm):
    class Meta:
        model = Journalist
        fields = list(services.JOURNALIST_FIELDS)
        widgets = {
            "accreditation_valid_until": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3, "maxlength": NOTES_MAX}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.outlet_id if self.instance.pk else None
        from django.db.models import Q

        self.fields["outlet"].queryset = MediaOutlet.objects.filter(Q(is_active=True) | Q(pk=current)).order_by("name")
        self.fields["accreditation_valid_until"].error_messages["invalid"] = _("Introduzca una fecha válida.")


class ContactForm(ServiceValidatedForm):
    class Meta:
        model = InstitutionalContact
        fields = list(services.CONTACT_FIELDS)
        widgets = {"notes": forms.Textarea(attrs={"rows": 3, "maxlength": NOTES_MAX})}


def _person_label(person) -> str:
    email = person.email or _("sin correo")
    inactive = "" if person.is_active else f" · {_('inactivo')}"
    return f"{person} · {email}{inactive}"


class ListForm(ServiceValidatedForm):
    journalists = forms.ModelMultipleChoiceField(
        label=_("Periodistas"), queryset=Journalist.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    contacts = forms.ModelMultipleChoiceField(
        label=_("Contactos institucionales"),
        queryset=InstitutionalContact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = DistributionList
        fields = list(services.LIST_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.db.models import Q

        in_list = Q(lists=self.instance.pk) if self.instance.pk else Q(pk__in=[])
        self.fields["journalists"].queryset = (
            Journalist.objects.filter(Q(is_active=True) | in_list).select_related("outlet").distinct()
        )
        self.fields["contacts"].queryset = InstitutionalContact.objects.filter(Q(is_active=True) | in_list).distinct()
        self.fields["journalists"].label_from_instance = _person_label
        self.fields["contacts"].label_from_instance = _person_label
        if self.instance.pk and not self.is_bound:
            self.initial["journalists"] = list(self.instance.journalists.values_list("pk", flat=True))
            self.initial["contacts"] = list(self.instance.contacts.values_list("pk", flat=True))


class JournalistFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Buscar"), required=False, max_length=100, help_text=_("Nombre, medio, correo o fuente")
    )
    outlet_type = forms.ChoiceField(label=_("Tipo de medio"), required=False, choices=[("", _("Todos"))])
    beat = forms.ChoiceField(label=_("Fuente"), required=False, choices=[("", _("Todas"))])
    active = forms.ChoiceField(label=_("Estado"), required=False, choices=ACTIVE_CHOICES)
    lista = forms.ModelChoiceField(
        label=_("Lista"), required=False, queryset=DistributionList.objects.none(), empty_label=_("Todas")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outlet_type"].choices = [("", _("Todos")), *OutletType.choices]
        self.fields["beat"].choices = [("", _("Todas")), *((beat, beat) for beat in selectors.beats())]
        self.fields["lista"].queryset = DistributionList.objects.order_by("name")


class OutletFilterForm(forms.Form):
    q = forms.CharField(label=_("Buscar"), required=False, max_length=100)
    outlet_type = forms.ChoiceField(label=_("Tipo de medio"), required=False)
    coverage = forms.ChoiceField(label=_("Cobertura"), required=False)
    active = forms.ChoiceField(label=_("Estado"), required=False, choices=ACTIVE_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outlet_type"].choices = [("", _("Todos")), *OutletType.choices]
        self.fields["coverage"].choices = [("", _("Todas")), *CoverageArea.choices]


class ContactFilterForm(forms.Form):
    q = forms.CharField(label=_("Buscar"), required=False, max_length=100, help_text=_("Nombre, institución, correo"))
    kind = forms.ChoiceField(label=_("Tipo"), required=False)
    active = forms.ChoiceField(label=_("Estado"), required=False, choices=ACTIVE_CHOICES)
    lista = forms.ModelChoiceField(
        label=_("Lista"), required=False, queryset=DistributionList.objects.none(), empty_label=_("Todas")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Todos")), *ContactKind.choices]
        self.fields["lista"].queryset = DistributionList.objects.order_by("name")


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Qué se importa"), choices=ImportBatch.Kind.choices)
    file = forms.FileField(
        label=_("Archivo CSV"),
        help_text=_("UTF-8 (con o sin BOM), separado por «;» o «,»; la primera fila es el encabezado. Máximo 2 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages={"required": _("Elija el archivo CSV."), "empty": _("El archivo está vacío.")},
    )


class DistributeForm(forms.Form):
    lists = forms.ModelMultipleChoiceField(
        label=_("Listas de difusión"),
        queryset=DistributionList.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    journalists = forms.ModelMultipleChoiceField(
        label=_("Periodistas (uno por uno)"),
        queryset=Journalist.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    contacts = forms.ModelMultipleChoiceField(
        label=_("Contactos institucionales (uno por uno)"),
        queryset=InstitutionalContact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    attachment_format = forms.ChoiceField(
        label=_("Adjuntar"),
        required=False,  # a form sent without it (an older page) attaches the DOCX, as before
        choices=Distribution.Format.choices,
        initial=Distribution.Format.PDF,
        widget=forms.RadioSelect,
        help_text=_(
            "El PDF firmado lleva el código de verificación y la firma de la municipalidad; "
            "el DOCX, el texto editable para los medios."
        ),
    )
    subject = forms.CharField(label=_("Asunto"), max_length=SUBJECT_MAX)
    message = forms.CharField(
        label=_("Mensaje (opcional)"),
        required=False,
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MESSAGE_MAX}),
        help_text=_("Va antes del texto que presenta la nota adjunta."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        journalists, contacts, lists = selectors.recipient_choices()
        self.fields["lists"].queryset = lists
        self.fields["lists"].label_from_instance = lambda item: (
            _("%(name)s (%(j)d periodistas, %(c)d contactos)")
            % {
                "name": item.name,
                "j": item.journalist_count,
                "c": item.contact_count,
            }
        )
        self.fields["journalists"].queryset = journalists
        self.fields["journalists"].label_from_instance = lambda person: f"{person} · {person.email}"
        self.fields["contacts"].queryset = contacts
        self.fields["contacts"].label_from_instance = lambda person: f"{person} · {person.email}"

    def clean(self):
        data = super().clean()
        if not (data.get("lists") or data.get("journalists") or data.get("contacts")):
            raise forms.ValidationError(_("Elija al menos una lista o una persona."))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "lists": list(data["lists"]),
            "journalists": list(data["journalists"]),
            "contacts": list(data["contacts"]),
            "subject": data["subject"],
            "message": data["message"],
            "attachment_format": data["attachment_format"] or Distribution.Format.DOCX,
        }
