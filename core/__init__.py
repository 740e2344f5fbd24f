"""The cross-stage core of the value stream: what every stage shares.

The review-gate engine, the audit trail, notifications, the access policy, state-machine helpers,
the error vocabulary, money, the outbox and the API plumbing. It sits at the bottom of the import
order: it imports no app and not the project (`ltc/`), and the apps reach it, never the reverse
(later stages act on earlier pages through `core.hooks`). Its app label stays "ltc", so its
tables, content types and migrations kept their names when it moved out of the project (ADR 1).
"""
