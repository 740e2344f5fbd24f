"""Single sign-on (issue 22.3, ADR 25): OpenID Connect through mozilla-django-oidc, LDAP /
Active Directory through django-auth-ldap, and the administrator's rules that map what the
provider says about a person (their claims) to an org unit and roles.

`config` reads the provider's settings (endpoints or discovery), `mapping` applies the
rules, `services` matches, provisions and maps people and writes the rules, `backends` and
`ldap` are the authentication backends, `views` the sign-in pages, `rule_views` and `api`
the rules' page and API.
"""
