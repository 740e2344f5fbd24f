"""Start the test OpenID Connect provider: migrate its SQLite database, make its signing key,
its one client (OP_CLIENT) and its people (OP_USERS), then serve on 127.0.0.1 at a free
port, printed as "READY <port>" once it listens. Stopped by the test (SIGTERM)."""

import json
import os
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import django
from django.core.management import call_command


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.accounts.sso_provider.settings")
    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("creatersakey")

    from django.contrib.auth.models import User
    from django.core.wsgi import get_wsgi_application
    from oidc_provider.models import Client, ResponseType

    client = json.loads(os.environ["OP_CLIENT"])
    made = Client.objects.create(
        name="LTC CRM",
        client_type="confidential",
        client_id=client["client_id"],
        client_secret=client["client_secret"],
        jwt_alg="RS256",
        require_consent=False,
        _redirect_uris=client["redirect_uri"],
    )
    made.response_types.add(ResponseType.objects.get(value="code"))
    for person in json.loads(os.environ.get("OP_USERS", "[]")):
        User.objects.create_user(
            person["username"],
            email=person.get("email", ""),
            password=person["password"],
            first_name=person.get("first_name", ""),
            last_name=person.get("last_name", ""),
        )
    server = make_server(
        "127.0.0.1", 0, get_wsgi_application(), ThreadingServer, handler_class=QuietHandler
    )
    print(f"READY {server.server_port}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    sys.exit(0)


if __name__ == "__main__":
    main()
