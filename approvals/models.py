from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process


class PublicationProcess(Process):
    """viewflow's process for one material request, which is its `artifact`."""

    class Meta:
        proxy = True
        verbose_name = _("proceso de aprobación")
        verbose_name_plural = _("procesos de aprobación")

    @property
    def material_request(self):
        return self.artifact
