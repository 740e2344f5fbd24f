"""Models rendered by migrations leave no django-fsm-2 receivers behind (core.fsm
`fsm_fields_leave_migration_models_alone`): with them, every later model rendered was announced
to thousands of receivers and `migrate` took about half again as long."""

from __future__ import annotations

from django.db.migrations.loader import MigrationLoader
from django.db.models.signals import class_prepared
from django_fsm import FSMFieldMixin


def live_receivers() -> int:
    return sum(1 for _key, receiver, *_ in class_prepared.receivers if receiver() is not None)


def test_rendering_every_migration_state_connects_no_receiver():
    before = live_receivers()
    state = MigrationLoader(None, ignore_no_migrations=True).project_state()
    rendered = state.apps  # renders every model, with new FSMField instances
    state_machines = [
        model
        for model in rendered.get_models()
        if any(isinstance(field, FSMFieldMixin) for field in model._meta.fields)
    ]
    assert len(state_machines) > 10  # the check sees the state machines...
    assert live_receivers() == before  # ...and none of their fields stayed connected
