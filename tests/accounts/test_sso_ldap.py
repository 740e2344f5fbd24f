"""LDAP / Active Directory sign-in (issue 22.3, ADR 25) against a real OpenLDAP `slapd`
started for this module on 127.0.0.1 with its own generated configuration and database in
a temporary directory, seeded with ldapadd, stopped at the end. People type their directory
password on the normal sign-in page; it is checked by the directory and never stored here."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from accounts.models import RoleAssignment, RoleDefinition, SsoMappingRule, User
from core.choices import Role
from tests.processes import free_loopback_port

from .sso_support import stop_process

ldap = pytest.importorskip("ldap", reason="python-ldap is not installed (pip install '.[ldap]')")
SLAPD = shutil.which("slapd") or ("/usr/sbin/slapd" if Path("/usr/sbin/slapd").exists() else None)
pytestmark = pytest.mark.skipif(
    SLAPD is None or shutil.which("ldapadd") is None,
    reason="OpenLDAP's slapd and ldap-utils are not installed (.ci/run installs them)",
)

SUFFIX = "dc=corp,dc=example"
ROOT_DN, ROOT_PW = f"cn=admin,{SUFFIX}", "directory-admin-pw"
CONFIG = """
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile {dir}/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "{root}"
rootpw {password}
directory {dir}/data
"""
SEED = """
dn: {suffix}
objectClass: dcObject
objectClass: organization
dc: corp
o: Corp

dn: ou=people,{suffix}
objectClass: organizationalUnit
ou: people

dn: ou=groups,{suffix}
objectClass: organizationalUnit
ou: groups

dn: uid=lin,ou=people,{suffix}
objectClass: inetOrgPerson
uid: lin
cn: Lin Na
givenName: Na
sn: Lin
mail: lin@corp.example
employeeNumber: E300
userPassword: lin-directory-pw

dn: uid=wei,ou=people,{suffix}
objectClass: inetOrgPerson
uid: wei
cn: Wei Jun
sn: Wei
mail: wei@corp.example
userPassword: wei-directory-pw

dn: cn=sales-js,ou=groups,{suffix}
objectClass: groupOfNames
cn: sales-js
member: uid=lin,ou=people,{suffix}
"""


@pytest.fixture(scope="module")
def directory():
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "data").mkdir()
        conf = Path(folder) / "slapd.conf"
        conf.write_text(CONFIG.format(dir=folder, suffix=SUFFIX, root=ROOT_DN, password=ROOT_PW))
        url = f"ldap://127.0.0.1:{free_loopback_port()}/"
        # -d 0: stay in the foreground, so the test owns the process and stops it.
        process = subprocess.Popen(
            [SLAPD, "-f", str(conf), "-h", url, "-d", "0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            seed = SEED.format(suffix=SUFFIX).encode()
            for _ in range(50):  # bounded: 10 s
                added = subprocess.run(
                    ["ldapadd", "-x", "-H", url, "-D", ROOT_DN, "-w", ROOT_PW],
                    input=seed,
                    capture_output=True,
                    timeout=10,
                )
                if added.returncode == 0:
                    break
                time.sleep(0.2)
            else:
                raise RuntimeError(f"slapd did not start: {added.stderr.decode()}")
            yield url
        finally:
            stop_process(process)


@pytest.fixture
def ldap_settings(directory, settings):
    from django_auth_ldap.config import GroupOfNamesType, LDAPSearch

    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "accounts.sso.ldap.LdapBackend",
    ]
    settings.AUTH_LDAP_SERVER_URI = directory
    settings.AUTH_LDAP_BIND_DN = ROOT_DN
    settings.AUTH_LDAP_BIND_PASSWORD = ROOT_PW
    settings.AUTH_LDAP_USER_SEARCH = LDAPSearch(
        f"ou=people,{SUFFIX}", ldap.SCOPE_SUBTREE, "(uid=%(user)s)"
    )
    settings.AUTH_LDAP_GROUP_SEARCH = LDAPSearch(
        f"ou=groups,{SUFFIX}", ldap.SCOPE_SUBTREE, "(objectClass=groupOfNames)"
    )
    settings.AUTH_LDAP_GROUP_TYPE = GroupOfNamesType()
    settings.SSO_CREATE_USERS = True
    return directory


def sign_in(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def test_a_directory_user_is_provisioned_and_mapped_by_group(ldap_settings, client, org):
    auditor = RoleDefinition.objects.create(
        code="auditor", name_en="Auditor", permissions=["opportunities.view"]
    )
    SsoMappingRule.objects.create(
        claim="groups", pattern="sales-js", org_unit=org.js_carrier, role=Role.SALES_MANAGER
    )
    SsoMappingRule.objects.create(
        claim="employee_id", pattern="E3*", grant_role=auditor, grant_scope="team"
    )
    answer = sign_in(client, "lin", "lin-directory-pw")
    assert answer.status_code == 302, answer.content.decode()[:2000]
    lin = User.objects.get(username="lin")
    assert client.get("/").wsgi_request.user == lin
    assert (lin.email, lin.employee_id, lin.first_name, lin.last_name) == (
        "lin@corp.example",
        "E300",
        "Na",
        "Lin",
    )
    assert lin.org_unit == org.js_carrier and lin.role == Role.SALES_MANAGER
    assert RoleAssignment.objects.filter(user=lin, role=auditor, org_unit=org.js_carrier).exists()
    # The directory's password is never stored here.
    assert lin.identity_source == "ldap" and not lin.has_usable_password()
    assert "lin-directory-pw" not in lin.password


def test_a_known_person_is_matched_by_e_mail_and_keeps_signing_in_by_directory(
    ldap_settings, client, org
):
    wei = User.objects.create_user(
        "wei.local", email="Wei@Corp.Example", password="old-local-pw-2026", org_unit=org.gd
    )
    assert sign_in(client, "wei", "wei-directory-pw").status_code == 302
    assert client.get("/").wsgi_request.user == wei
    wei.refresh_from_db()
    assert not wei.has_usable_password() and wei.identity_source == "ldap"
    assert wei.org_unit == org.gd  # no rule matched: the unit stays
    client.logout()
    # The old local password is gone; the directory's still works, on the page and the API.
    assert sign_in(client, "wei.local", "old-local-pw-2026").status_code == 200
    token = client.post("/api/v1/auth/token/", {"username": "wei", "password": "wei-directory-pw"})
    assert token.status_code == 200 and token.json()["token"]


def test_a_wrong_directory_password_is_refused(ldap_settings, client, db):
    answer = sign_in(client, "lin", "not-the-password")
    assert answer.status_code == 200
    assert not User.objects.filter(username="lin").exists()


def test_an_unknown_directory_user_is_refused_when_provisioning_is_off(
    ldap_settings, client, db, settings
):
    settings.SSO_CREATE_USERS = False
    answer = sign_in(client, "lin", "lin-directory-pw")
    assert answer.status_code == 200
    assert not User.objects.filter(username="lin").exists()
