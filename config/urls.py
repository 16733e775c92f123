from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from points.api import api as pos_api

admin.site.site_header = _("Jifen points administration")
admin.site.site_title = _("Jifen")
admin.site.index_title = _("Members and points")

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("counter/", include("points.urls")),
    path("api/v1/", pos_api.urls),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
