"""Chinese number formats for this CRM: Django's zh_Hans groups nothing (1000000.00), but
Chinese finance writes amounts in groups of three with commas (¥1,000,000.00). Everything
else comes from Django's zh_Hans formats."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
