"""The org tree, users, customers, contacts and iron triangles of the scale data set."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from accounts.models import Contact, Customer, OrgUnit, User
from accounts.normalise import normalise_company_name
from bench.bulk import BulkWriter
from core.choices import OrgUnitKind, Role
from core.validators import complete_credit_code

from .shapes import CITIES, FORMS, INDUSTRIES, PASSWORD, PROVINCES, TRADES, pick


class Parties:
    """Mixin of `ScaleData`: the parties every later row points at."""

    def org_and_users(self) -> None:
        n_users = self.counts["users"]
        n_regions = max(1, round(n_users / 400))
        n_offices = max(n_regions, round(n_users / 80))
        n_teams = max(n_offices, round(n_users / 10))
        units = BulkWriter(OrgUnit)

        def unit(name: str, code: str, kind: str, parent: tuple | None) -> tuple[int, str]:
            pk = units.next_id()
            path = f"{parent[1] if parent else '/'}{pk}/"
            units.add(
                id=pk,
                name=name,
                code=code,
                kind=kind,
                parent_id=parent[0] if parent else None,
                path=path,
                depth=path.count("/") - 2,
            )
            return pk, path

        company = unit("Scale Corp", "scale-corp", OrgUnitKind.COMPANY, None)
        regions = [
            unit(f"Region {i + 1}", f"scale-r{i + 1}", OrgUnitKind.REGION, company)
            for i in range(n_regions)
        ]
        offices = [
            unit(f"Office {i + 1}", f"scale-o{i + 1}", OrgUnitKind.OFFICE, regions[i % n_regions])
            for i in range(n_offices)
        ]
        teams = [
            unit(f"Team {i + 1}", f"scale-t{i + 1}", OrgUnitKind.TEAM, offices[i % n_offices])
            for i in range(n_teams)
        ]
        self.close(units)
        self.company, self.regions, self.offices = company[0], regions, offices
        self.team_office = {t[0]: offices[i % n_offices][0] for i, t in enumerate(teams)}

        users = BulkWriter(User)
        password = make_password(PASSWORD)

        def user(name: str, role: str, unit_id: int) -> int:
            return users.add(
                username=name,
                password=password,
                email=f"{name}@scale.example",
                first_name=name,
                role=role,
                org_unit_id=unit_id,
                date_joined=self.now,
                is_active=True,
            )

        user("scale-ceo", Role.SALES_MANAGER, company[0])
        self.region_managers = [
            user(f"scale-rm{i + 1}", Role.SALES_MANAGER, r[0]) for i, r in enumerate(regions)
        ]
        self.office_finance = {}
        for i, office in enumerate(offices):
            user(f"scale-dir{i + 1}", Role.SALES_MANAGER, office[0])
            self.office_finance[office[0]] = user(f"scale-fin{i + 1}", Role.FINANCE, office[0])
        # teams: a manager, an SR and an FR each, the rest of the users are reps
        self.team_manager, self.team_sr, self.team_fr = {}, {}, {}
        self.reps: list[tuple[int, int]] = []  # (user id, team id)
        for i, (team_id, _path) in enumerate(teams):
            self.team_manager[team_id] = user(f"scale-mgr{i + 1}", Role.SALES_MANAGER, team_id)
            self.team_sr[team_id] = user(f"scale-sr{i + 1}", Role.SOLUTION_MANAGER, team_id)
            self.team_fr[team_id] = user(f"scale-fr{i + 1}", Role.FULFILLMENT_MANAGER, team_id)
        remaining = max(n_users - users.written - len(users.rows), n_teams)
        for i in range(remaining):
            team_id = teams[i % n_teams][0]
            self.reps.append((user(f"scale-rep{i + 1}", Role.SALES_REP, team_id), team_id))
        self.close(users)

    def company_name(self, i: int) -> str:
        return f"{CITIES[i % 10]}{TRADES[i // 10 % 10]}{i}号{FORMS[i // 100 % 4]}"

    def customers_and_contacts(self) -> None:
        customers, contacts = BulkWriter(Customer), BulkWriter(Contact)
        self.customers: list[tuple[int, int, int, str]] = []  # id, owner, team, normalised
        self.contacts: dict[int, list[int]] = {}
        rng = self.rng
        for i in range(self.counts["customers"]):
            owner, team_id = self.reps[rng.randrange(len(self.reps))]
            name = self.company_name(i)
            key = normalise_company_name(name)
            pk = customers.next_id()
            tier = pick(rng, [("strategic", 2), ("key", 8), ("normal", 90)])
            customers.add(
                id=pk,
                name=name,
                normalised_name=key,
                credit_code=complete_credit_code(f"91{pk:015d}"),
                industry=INDUSTRIES[i % len(INDUSTRIES)],
                region=PROVINCES[i % len(PROVINCES)],
                tier=tier,
                owner_id=owner,
                org_unit_id=team_id,
                created_at=self.days_ago(30, 2000),
            )
            self.customers.append((pk, owner, team_id, key))
            self.contacts[pk] = [
                contacts.add(customer_id=pk, name=f"联系人{pk}-{n}", title=title)
                for n, title in enumerate(("总经理", "采购经理"))
            ]
        self.close(customers, contacts)
