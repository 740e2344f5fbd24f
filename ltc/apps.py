from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LtcConfig(AppConfig):
    name = "ltc"
    verbose_name = _("LTC core")
