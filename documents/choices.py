"""The kinds of document, their languages and the e-signature states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RecordDocumentKind(models.TextChoices):
    QUOTE = "quote", _("Quote")
    BID_LETTER = "bid_letter", _("Bid cover letter")
    CONTRACT_DRAFT = "contract_draft", _("Contract draft")
    PAYMENT_REQUEST = "payment_request", _("Payment request letter")
    AUTHORISATION = "authorisation", _("Authorisation letter")


class DocumentLanguage(models.TextChoices):
    """The languages of the site (settings.LANGUAGES), in its order and words."""

    EN = "en", _("English")
    ZH_HANS = "zh-hans", _("Simplified Chinese")


class SignatureState(models.TextChoices):
    NONE = "none", _("Not sent for signature")
    SENT = "sent", _("Sent for signature")
    SIGNED = "signed", _("Signed")
    DECLINED = "declined", _("Declined")
