from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The core keeps the label "ltc": tables (`ltc_auditevent`...), content types, permissions
    and migration names are unchanged by its move out of the project package."""

    name = "core"
    label = "ltc"
    verbose_name = _("LTC core")
