"""The world the role x operation matrix runs in: one town, its personas, and for every kind of
record the policy acts on two of them: ``A`` (neighbourhood 绿十一, assigned to the programme
staff personas, the resident persona's own family) and ``B`` (虹九, assigned to no one, another
family). Each app adds its records in ``worlds/<app>.py`` (``build(world)``), through its
services where one makes them."""

import importlib
import pkgutil
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from lehuo.accounts import permissions
from lehuo.accounts.models import EDITOR, PROGRAMME_STAFF, SOCIAL_WORKER, TOWN_ADMIN, VIEWER, Membership

# Persona -> role it holds (None: logged in, no role; the resident is linked to a person).
PERSONAS = ["town_admin", "sw_lv11", "instructor", "blood_staff", "site_head", "editor", "viewer", "parent",
            "outsider", "anonymous"]
STAFF_ROLES = {"town_admin": TOWN_ADMIN, "sw_lv11": SOCIAL_WORKER, "instructor": PROGRAMME_STAFF,
               "blood_staff": PROGRAMME_STAFF, "site_head": PROGRAMME_STAFF, "editor": EDITOR, "viewer": VIEWER}
RELATIONS = ("A", "B")


@dataclass
class World:
    town: object
    lv11: object
    hj9: object
    users: dict = field(default_factory=dict)  # persona -> user (anonymous: None)
    records: dict = field(default_factory=dict)  # model label -> {"A": record, "B": record}
    # A valid body for a write (endpoint key -> JSON body or form data), so that a refused
    # persona is refused for who they are, not for an empty body.
    bodies: dict = field(default_factory=dict)

    def add(self, label: str, a, b) -> None:
        self.records[label] = {"A": a, "B": b}

    def record(self, label: str, relation: str):
        try:
            return self.records[label][relation]
        except KeyError:
            raise LookupError(f"the matrix world has no {label} (add it in tests/security/worlds/)") from None

    @property
    def admin(self):
        return self.users["town_admin"]


def build(town, lv11, hj9) -> World:
    world = World(town=town, lv11=lv11, hj9=hj9)
    User = get_user_model()
    for persona in PERSONAS:
        if persona == "anonymous":
            world.users[persona] = None
            continue
        user = User.objects.create_user(username=persona, password="pw-" + persona)
        role = STAFF_ROLES.get(persona)
        if role:
            m = Membership.objects.create(user=user, town=town, role=role)
            if role == SOCIAL_WORKER:
                m.neighbourhoods.set([lv11])
        world.users[persona] = user
    from . import worlds

    builders = sorted(name for _finder, name, _pkg in pkgutil.iter_modules(worlds.__path__))
    # The register first: the modules' records point at its people.
    for name in ["people", *[b for b in builders if b != "people"]]:
        importlib.import_module(f"{worlds.__name__}.{name}").build(world)
    for user in world.users.values():
        if user is not None:
            permissions.forget(user)
    return world
