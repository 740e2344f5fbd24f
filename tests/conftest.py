"""Shared fixtures: a small sales organisation with a user for every role, and API clients.

company (hq)
├── south region
│   └── gd office (代表处)  ── director (sales manager with office authority)
│       ├── gd-carrier team ── rep (AR), sr, fr, manager, teammate
│       └── gd-gov team      ── other_team_rep
└── east region
    └── js office
        └── js-carrier team  ── other_region_rep, other_region_manager
finance sits on the south region; admin on the company.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from core.choices import OrgUnitKind, Role

from .factories import OrgUnitFactory, UserFactory


def _flush_by_delete_on_postgresql() -> None:
    """Empty the test database after a transactional test with DELETE instead of TRUNCATE.

    Django flushes after every transactional test (races, the live server's journeys, workers)
    with one TRUNCATE of every table. On PostgreSQL that makes new files for each of some 250
    tables and their indexes: about 5 s a test on CI's machine, more than most tests take.
    DELETE of the few rows a test leaves takes a tenth of a second. Triggers are off for the
    flush's own transaction (`session_replication_role = replica`: the audit trail's
    append-only trigger and the foreign-key checks, which matter nothing when every table is
    emptied), which needs a superuser, as CI's `postgres` is; anyone else gets TRUNCATE.
    Sequences are left as TRUNCATE left them (no RESTART IDENTITY)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        superuser = getattr(self.connection, "_ltc_flush_superuser", None)
        if superuser is None:
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                superuser = self.connection._ltc_flush_superuser = bool(cursor.fetchone()[0])
        if reset_sequences or not tables or not superuser:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return [
            "SET LOCAL session_replication_role = replica",
            *(f"DELETE FROM {self.quote_name(table)}" for table in tables),
            "SET LOCAL session_replication_role = DEFAULT",
        ]

    DatabaseOperations.sql_flush = sql_flush


_flush_by_delete_on_postgresql()


@dataclass
class Org:
    hq: object
    south: object
    gd: object
    gd_carrier: object
    gd_gov: object
    east: object
    js: object
    js_carrier: object
    rep: object
    teammate: object
    sr: object
    fr: object
    manager: object
    director: object
    other_team_rep: object
    other_region_rep: object
    other_region_manager: object
    finance: object
    admin: object


@pytest.fixture
def org(db) -> Org:
    hq = OrgUnitFactory(name="HQ", code="hq", kind=OrgUnitKind.COMPANY)
    south = OrgUnitFactory(name="South", code="south", kind=OrgUnitKind.REGION, parent=hq)
    gd = OrgUnitFactory(name="Guangdong office", code="gd", kind=OrgUnitKind.OFFICE, parent=south)
    gd_carrier = OrgUnitFactory(name="GD carrier team", code="gd-carrier", parent=gd)
    gd_gov = OrgUnitFactory(name="GD government team", code="gd-gov", parent=gd)
    east = OrgUnitFactory(name="East", code="east", kind=OrgUnitKind.REGION, parent=hq)
    js = OrgUnitFactory(name="Jiangsu office", code="js", kind=OrgUnitKind.OFFICE, parent=east)
    js_carrier = OrgUnitFactory(name="JS carrier team", code="js-carrier", parent=js)
    return Org(
        hq=hq,
        south=south,
        gd=gd,
        gd_carrier=gd_carrier,
        gd_gov=gd_gov,
        east=east,
        js=js,
        js_carrier=js_carrier,
        rep=UserFactory(username="rep", role=Role.SALES_REP, org_unit=gd_carrier),
        teammate=UserFactory(username="teammate", role=Role.SALES_REP, org_unit=gd_carrier),
        sr=UserFactory(username="sr", role=Role.SOLUTION_MANAGER, org_unit=gd_carrier),
        fr=UserFactory(username="fr", role=Role.FULFILLMENT_MANAGER, org_unit=gd_carrier),
        manager=UserFactory(username="manager", role=Role.SALES_MANAGER, org_unit=gd_carrier),
        director=UserFactory(username="director", role=Role.SALES_MANAGER, org_unit=gd),
        other_team_rep=UserFactory(username="gov_rep", role=Role.SALES_REP, org_unit=gd_gov),
        other_region_rep=UserFactory(username="js_rep", role=Role.SALES_REP, org_unit=js_carrier),
        other_region_manager=UserFactory(
            username="js_manager", role=Role.SALES_MANAGER, org_unit=js_carrier
        ),
        finance=UserFactory(username="finance", role=Role.FINANCE, org_unit=south),
        admin=UserFactory(
            username="admin", role=Role.ADMIN, org_unit=hq, is_staff=True, is_superuser=True
        ),
    )


@pytest.fixture
def api():
    """`api(user)` gives an API client signed in as `user` (or anonymous with None)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def browser_client(client):
    """`browser_client(user)`: Django's test client logged in as `user` (pages, sessions)."""

    def make(user):
        client.force_login(user)
        return client

    return make


def pytest_make_parametrize_id(config, val, argname):
    """Test ids must be the same in every parallel worker (pytest-xdist compares them): a
    bytes parameter (a generated file, whose zip headers carry the time, so even its
    compressed length varies) is named by its argument only; pytest numbers repeats."""
    if isinstance(val, bytes | bytearray):
        return f"{argname}-bytes"
    return None


@pytest.fixture(autouse=True)
def _eager_results_may_be_awaited():
    """Each test starts with Celery allowing `.get()` on an eager result.

    Celery keeps "a task is running here, joining would block" in one process-wide flag that an
    eager call sets and then restores to what it saw. When threads of a race test run eager
    tasks at once, one of them can restore True after the others finished, and every later
    `.delay().get()` in that test process raised "Never call result.get() within a task!".
    Application code never joins a result, so only tests are affected.
    """
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


#: Test files that take longest (a minute or near it: the page walk, demo-company tables,
#: schema fuzzing), started first so the parallel processes finish together instead of one
#: running a long file alone at the end (`--dist loadfile` hands out files in this order).
SLOW_FIRST = (
    "tests/e2e/test_walk_",
    "tests/ltc/test_quiet_start.py",
    "tests/api/test_hostile_input.py",
    "tests/trust/test_access_matrix.py",
    "tests/api/test_schemathesis",
    "tests/ui/test_confirm_destructive.py",
    "tests/e2e/test_content_security_policy.py",
    "tests/ltc/test_api_conformance.py",
    "tests/ltc/test_openapi.py",
    "tests/e2e/test_role_homes.py",
    "tests/e2e/test_journeys.py",
    "tests/ltc/test_pages_read_as_people_do.py",
)


def _slowness(item) -> int:
    path = item.nodeid
    return next((i for i, prefix in enumerate(SLOW_FIRST) if path.startswith(prefix)), 99)


#: Test files that never touch the test database: they start processes of their own on an SQLite
#: file or with no database (the demo's quiet start, production settings), or read only the
#: source and pure functions (a scan of state updates, normalisation properties). CI runs the
#: suite on SQLite and again on PostgreSQL; these would only repeat themselves, so they run on
#: the embedded default only (tests/ltc/test_run_once.py checks the list stays true).
DATABASE_INDEPENDENT = (
    "tests/ltc/test_quiet_start.py",
    "tests/ltc/test_settings.py",
    "tests/ltc/test_state_updates.py",
    "tests/accounts/test_normalise_properties.py",
    "tests/ltc/test_module_size.py",
    "tests/ltc/test_import_order.py",
    "tests/ltc/test_compose.py",
    "tests/ltc/test_migrate_cost.py",
)


#: Test files that use the database but check what does not depend on which one: the headers of
#: every response and whether the pages ask before destroying (markup), run once, on the
#: embedded default. (The browser's CSP check is in tests/e2e/conftest.py's ONCE.)
VENDOR_INDEPENDENT = (
    "tests/ltc/test_security_headers.py",
    "tests/messaging/test_api.py",  # chat-app settings, permissions and pages (ADR 24)
    "tests/ui/test_confirm_destructive.py",
    "tests/ltc/test_gate_decision_pins.py",
    "tests/ltc/test_gate_chains.py",
    # Single sign-on against a real OpenID Connect provider and a real slapd (ADR 25): the
    # protocol and the directory, checked once; the rules' API runs on both databases.
    "tests/accounts/test_sso_oidc.py",
    "tests/accounts/test_sso_ldap.py",
    # The template sandbox and the e-signature callback's HMAC (ADR 27); the numbering and
    # versions under locks (tests/documents/test_generate.py, the race) run on both.
    "tests/documents/test_templates.py",
    "tests/documents/test_signature.py",
)


#: The two fuzzers each run on one database: together they send every operation of the schema
#: ~1,700 times, a fifth of a run's time, and the answers they judge (a 4xx in the one error
#: shape, an answer matching the schema) are the API's, not the database's. Negative data
#: (integers past a column's range, text with NUL, ids that are not ids) runs on PostgreSQL,
#: whose types are the stricter (a 32-bit integer column); positive data on the embedded
#: default, which the demo and `make run` use. The database-specific ways a value can fail
#: are also `tests/api/test_hostile_input.py`'s, which runs on both.
ONE_DATABASE = {
    "tests/api/test_schemathesis.py": "sqlite",
    "tests/api/test_schemathesis_negative.py": "postgresql",
}


#: Files whose tests are handed to the parallel test processes one by one (`--dist loadfile`
#: hands out whole files): each fuzzer's parts (PARTS in tests/api/schemathesis_support.py),
#: which together ran for minutes in one process while the other waited at the end.
SPLIT_BY_TEST = (
    "tests/api/test_schemathesis.py",
    "tests/api/test_schemathesis_negative.py",
)


def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile`, except that the tests of a file in `SPLIT_BY_TEST` are each a unit."""
    if config.getoption("dist") != "loadfile":
        return None
    # pytest-xdist hands out the files with most tests first, whatever the collection's order:
    # SLOW_FIRST's long single-test files (the walks, the fuzzers) went last, and a run ended
    # on one of them running alone. The collection's order already puts the other files by
    # their number of tests (pytest_collection_modifyitems).
    config.option.loadscopereorder = False
    from xdist.scheduler import LoadFileScheduling

    class SplittingSomeFiles(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            if path in SPLIT_BY_TEST:
                return nodeid.split("[", 1)[0]
            return path

    return SplittingSomeFiles(config, log)


def pytest_configure(config):
    """The id the parallel test processes of one run share (their template database's name);
    set before pytest-xdist starts them, which inherit the environment."""
    if not hasattr(config, "workerinput"):
        os.environ.setdefault("LTC_TEST_RUN", uuid.uuid4().hex[:12])


@pytest.fixture(scope="session")
def django_db_setup(  # noqa: PLR0913 (pytest-django's own fixture's arguments)
    request,
    django_test_environment,
    django_db_blocker,
    django_db_use_migrations,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """The test database: in a parallel test process, a copy of the run's migrated template
    (tests/database_template.py: the migrations run once a run, not once a process); else
    what pytest-django's own fixture does (`--reuse-db`, `--nomigrations` included)."""
    from django.conf import settings
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup

    from tests import database_template

    verbosity = request.config.option.verbose
    parallel = database_template.worker_of(request.config)
    usual = (
        not django_db_use_migrations or django_db_keepdb or set(settings.DATABASES) != {"default"}
    )
    if parallel is None or usual:
        if not django_db_use_migrations:
            _disable_migrations()
        keepdb = django_db_keepdb and not django_db_createdb
        aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
        with django_db_blocker.unblock():
            config = setup_databases(
                verbosity=verbosity,
                interactive=False,
                aliases=aliases,
                serialized_aliases=serialized_aliases,
                keepdb=keepdb,
            )
        yield
        if not django_db_keepdb:
            with django_db_blocker.unblock():
                teardown_databases(config, verbosity=verbosity)
        return
    with django_db_blocker.unblock():
        vendor, own = database_template.set_up(os.environ["LTC_TEST_RUN"], parallel[1], verbosity)
    yield
    with django_db_blocker.unblock():
        database_template.tear_down(vendor, own)


def pytest_sessionfinish(session):
    """The controlling process of a parallel run removes the run's template at the end."""
    config = session.config
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        return
    from pytest_django.plugin import blocking_manager_key

    from tests import database_template

    with config.stash[blocking_manager_key].unblock():
        database_template.remove_template(os.environ["LTC_TEST_RUN"])


def on_postgresql() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith("postgres")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    # The order the test processes are handed the files in (pytest_xdist_make_scheduler keeps
    # it): SLOW_FIRST's files by rank, then the other files, those with most tests first.
    tests_in_file = Counter(item.nodeid.split("::", 1)[0] for item in items)
    items.sort(key=lambda item: (_slowness(item), -tests_in_file[item.nodeid.split("::", 1)[0]]))
    if on_postgresql():
        once = pytest.mark.skip(reason="does not touch the database: runs on the embedded default")
        for item in items:
            if item.nodeid.startswith(DATABASE_INDEPENDENT + VENDOR_INDEPENDENT):
                item.add_marker(once)
    vendor = "postgresql" if on_postgresql() else "sqlite"
    for item in items:
        runs_on = ONE_DATABASE.get(item.nodeid.split("::")[0])
        if runs_on is not None and runs_on != vendor:
            item.add_marker(
                pytest.mark.skip(reason=f"this fuzzer runs on {runs_on} (ONE_DATABASE)")
            )
