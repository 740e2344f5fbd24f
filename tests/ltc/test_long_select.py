"""LongSelect (core.forms) writes the same select as Django's own widget, only faster."""

from django import forms
from django.test import SimpleTestCase

from core.forms import LongSelect

CHOICES = [("", "---------"), (1, "Zhang Wei"), (2, 'A <b>"bold"</b> & co'), (3, "李娜")]


class LongSelectTests(SimpleTestCase):
    def test_the_same_html_as_djangos_select(self):
        for value, attrs in ((None, None), (2, {"id": "id_owner", "required": True}), ("3", {})):
            ours = LongSelect(choices=CHOICES).render("owner", value, attrs)
            django = forms.Select(choices=CHOICES).render("owner", value, attrs)
            self.assertHTMLEqual(ours, django)
        self.assertIn("&lt;b&gt;", LongSelect(choices=CHOICES).render("owner", None))

    def test_grouped_choices_render_the_usual_way(self):
        grouped = [("Team", [(1, "Zhang Wei")]), (2, "Li Na")]
        self.assertHTMLEqual(
            LongSelect(choices=grouped).render("owner", 1),
            forms.Select(choices=grouped).render("owner", 1),
        )
