"""What channel partners tell the shared core: the timeline's words for their events, the
messages they send (rendered in the reader's language), and the search."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from core.audit import ACTION_LABELS
from core.messages import MESSAGES, MessageTemplate

ACTION_LABELS.update(
    {
        "agreement.added": _("Agreement added"),
        "qualification.added": _("Qualification document added"),
        "qualification.reviewed": _("Qualification document reviewed"),
        "partner.registration_submitted": _("Project registered by the partner (项目报备)"),
        "registration.converted": _("Became an opportunity"),
        "partner.member_added": _("Partner user added"),
        "partner.member_deactivated": _("Partner user deactivated"),
    }
)

MESSAGES.update(
    {
        "partner.admission_waiting": MessageTemplate(
            gettext_noop("Partner admission waiting for your approval: %(partner)s")
        ),
        "partner.registration_waiting": MessageTemplate(
            gettext_noop("%(partner)s registered %(what)s: waiting for your approval")
        ),
        "partner.qualification_expiring": MessageTemplate(
            gettext_noop("%(partner)s's qualification (%(kind)s) expires on %(until)s"),
            gettext_noop("Ask the partner for the renewed document before it runs out."),
        ),
        "note.qualification": MessageTemplate(gettext_noop("%(kind)s, valid until %(until)s")),
        "note.qualification_reviewed": MessageTemplate(gettext_noop("%(kind)s: %(status)s")),
        "note.partner_registration": MessageTemplate(gettext_noop("Registered %(what)s")),
        "note.converted_partner": MessageTemplate(gettext_noop("Became opportunity %(opp)s")),
    }
)
