"""Days in the current state on the lead list and board (issue 19.6), from `state_changed_at`
(which every transition sets)."""

import pytest

from leads.models import Lead
from tests.factories import LeadFactory, local_noon

pytestmark = pytest.mark.django_db


def test_days_in_the_current_state_on_the_lead_list_and_board(client, org):
    lead = LeadFactory(owner=org.rep, title="Provincial 5G core")
    Lead.objects.filter(pk=lead.pk).update(state_changed_at=local_noon(4))
    client.force_login(org.rep)
    rows = client.get("/leads/").content.decode()
    row = rows[rows.index("Provincial 5G core") :].split("</tr>")[0]
    assert '<td class="num">4</td>' in row
    assert "4 days in this state" in client.get("/leads/board/").content.decode()
