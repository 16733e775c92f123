from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = _("Points")

    def ready(self) -> None:
        from members.merging import register_merge_step
        from points.merging import merge_points

        register_merge_step(merge_points)
