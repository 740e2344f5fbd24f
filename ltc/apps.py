from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project as an app only so that its commands (`seed_demo`) are found; it has no models.
    Its label is not "ltc": that label belongs to the core (`core.apps.CoreConfig`)."""

    name = "ltc"
    label = "project"
    verbose_name = "LTC project"
