from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config import views as site_views
from documents import urls as document_urls
from workflows import urls as workflow_urls

# A request's pages: its own (workflows) and its documents' (versions, DOCX import), in one
# namespace, workflows:..., composed here because workflows sits below documents (see
# "Layers" in docs/ARCHITECTURE.md).
request_urls = (workflow_urls.urlpatterns + document_urls.urlpatterns, workflow_urls.app_name)

urlpatterns = [
    path("", site_views.home),
    path("ingresar/", site_views.LoginView.as_view(), name="login"),
    path("salir/", auth_views.LogoutView.as_view(), name="logout"),
    path("solicitudes/", include(request_urls)),
    path("organizacion/", include("organization.urls")),
    path("notificaciones/", include("notifications.urls")),
    path("bandeja/", include("approvals.urls")),
    path("auditoria/puntos-de-control/", include("records.checkpoint_urls")),
    path("auditoria/", include("records.urls")),
    path("transparencia/", include("transparency.urls")),
    path("publico/", include("records.public_urls")),
    path("expedientes/", include("records.dossier_urls")),
    path("calendario/", include("civic_calendar.urls")),
    path("directorio/", include("directory.urls")),
    path("prensa/", include("press.urls")),
    path("informes/", include("reports.urls")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = settings.MUNICIPALITY_NAME
admin.site.site_title = "Comunicaciones"
admin.site.index_title = "Administración"

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
