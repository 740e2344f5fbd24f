"""What the parties app adds to the core: words for its audit actions on every timeline."""

from django.utils.translation import gettext_lazy as _

from ltc.audit import ACTION_LABELS

ACTION_LABELS.update(
    {
        "customer.merged": _("A duplicate customer was merged into this one"),
        "customer.merged_into": _("Merged into another customer"),
        "activity.logged": _("Activity recorded"),
        "import.committed": _("Import started"),
        "import.done": _("Import finished"),
        "import.cancelled": _("Import cancelled"),
    }
)
