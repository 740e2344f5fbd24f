from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Partner portal")

    def ready(self) -> None:
        from core import portal

        # The portal's own sections; a later app adds its own the same way (ADR 21).
        for order, (key, label, url_name) in enumerate(
            [
                ("home", _("Overview"), "portal:home"),
                ("registrations", _("Registrations"), "portal:registrations"),
                ("opportunities", _("Opportunities"), "portal:opportunities"),
                ("quotes", _("Quotes"), "portal:quotes"),
                ("orders", _("Orders"), "portal:orders"),
                ("documents", _("Documents"), "portal:documents"),
                ("rebates", _("Rebates"), "portal:rebates"),
            ]
        ):
            portal.register_section(key, label, url_name, order=order * 10)
