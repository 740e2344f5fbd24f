"""Approval chains as data, and the engine that runs them (ADR 17).

An administrator defines, per kind of approval, ordered steps with conditions and approvers;
`request_start` runs a subject through the steps that apply, and each approver decides their
task. Apps register their kinds (`registry.register_kind`) and the callbacks the engine calls
when a request ends; the engine never imports them, as the gate engine does not.

Modules: `choices`, `models` (registered by `core.models`), `registry` (kinds, resolvers),
`approvers` (conditions and who approves), `chains` (defining chains), `engine` (requests:
start, decide, withdraw, resubmit), `delegations`, `reminders` (the beat scan), `selectors`.
Import from the modules: this package imports nothing, so `core.models` can load its models.
"""
