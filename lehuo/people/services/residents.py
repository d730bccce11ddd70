"""Residents' own account and the register (docs/residents.md): the real-name link (实名绑定)
of an account to a person, a guardian adding a child, and PIPL requests (correction, erasure).

The answer to a resident never tells whether an ID number is on the register: a link is made at
once only when name, ID number and the account's verified mobile all match the person's record;
every other case (no such person: registered as new, pending; a mismatch; someone else's number)
gives the same answer and waits for a social worker of the neighbourhood, who sees why.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lehuo.accounts.models import Neighbourhood
from lehuo.accounts.permissions import forget, require, scope_q
from lehuo.lib.identity import IdentityError, parse_id_number
from lehuo.platform.audit import log_action
from lehuo.platform.crypto import keyed_hash
from lehuo.platform.errors import ErrorList, Forbidden, ServiceError
from lehuo.platform.validation import clean_text

from ..models import DataRequest, GuardianLink, LinkRequest, Person
from ..validation import clean_name, id_hash
from .family import link_guardian, record_consent
from .persons import create_person

CHILD_CONSENT_PURPOSE = gettext_lazy("监护人同意使用孩子的个人信息（居民服务）")
LINKED = "linked"
PENDING = "pending"


def own_person(actor) -> Person | None:
    """The person the account is linked to (None: not linked yet)."""
    if not getattr(actor, "is_authenticated", False):
        return None
    return Person.objects.filter(account=actor, erased_at__isnull=True).select_related("town", "neighbourhood").first()


def verified_mobile(actor) -> str:
    from lehuo.accounts.models import PhoneAccount

    account = PhoneAccount.objects.filter(user=actor, verified=True).first()
    return account.phone if account else ""


def neighbourhoods_to_choose():
    """The neighbourhoods a resident chooses from (every town's: a town's list is public)."""
    return Neighbourhood.objects.select_related("town").order_by("town_id", "name_pinyin", "id")


def _identity(errors: ErrorList, id_number: str):
    try:
        return parse_id_number(str(id_number or ""))
    except IdentityError as exc:
        errors.add("id_number", str(exc) if str(id_number or "").strip() else _("请填写证件号码"))
        return None


def _attempt(actor, action: str, data: dict, obj=None) -> None:
    log_action(actor, action, obj, data)


def _audited_refusals(action: str):
    """Run the service in its own transaction; a refusal rolls back what it wrote, and is then
    recorded in the audit log (who tried what, no ID number)."""
    def wrap(fn):
        def inner(actor, *args, **kwargs):
            try:
                with transaction.atomic():
                    return fn(actor, *args, **kwargs)
            except ServiceError as exc:
                if exc.status == 400:
                    log_action(actor, action, getattr(exc, "person", None),
                               {"reason": exc.code or [e["field"] or "form" for e in exc.errors],
                                "messages": [e["message"] for e in exc.errors]})
                raise
        inner.__name__, inner.__doc__ = fn.__name__, fn.__doc__
        return inner
    return wrap


@_audited_refusals("person.link_refused")
def request_link(actor, *, name: str, id_number: str, neighbourhood_id) -> tuple[str, LinkRequest | None]:
    """A signed-in resident asks to link their account to their person of the register.
    Returns (LINKED, None) or (PENDING, the request); the caller shows the same answer for
    every PENDING, whatever the reason."""
    require(actor, "people.link.request")
    errors = ErrorList()
    clean = errors.check(clean_name, name)
    parsed = _identity(errors, id_number)
    nbh = Neighbourhood.objects.filter(pk=neighbourhood_id).select_related("town").first() \
        if str(neighbourhood_id or "").isdigit() else None
    town = nbh.town if nbh is not None else None
    if nbh is None:
        errors.add("neighbourhood_id", _("请选择您居住的居民区"))
    mobile = verified_mobile(actor)
    if not mobile:
        errors.add(None, _("请先用手机号码和短信验证码登录，再进行实名绑定"))
    if own_person(actor) is not None:
        errors.add(None, _("您的账户已完成实名绑定"))
    if LinkRequest.objects.filter(account=actor, kind=LinkRequest.SELF, status=LinkRequest.PENDING).exists():
        errors.add(None, _("您的实名绑定申请正在核实中，请耐心等待"))
    errors.raise_if_any()

    assert town is not None and nbh is not None  # errors.raise_if_any() above refused a missing one
    person = Person.objects.filter(town=town, id_hash=id_hash(parsed.kind, parsed.number),
                                   erased_at__isnull=True).select_for_update().first()
    if person is not None and person.name == clean and person.phone_hash == keyed_hash(mobile):
        if person.account_id and person.account_id != actor.pk:
            # They proved the number on record: tell them plainly, change nothing.
            exc = ServiceError(_("您的信息已绑定另一个账户，请用原账户登录；如需更换账户，请联系居委会"), None,
                               code="linked_elsewhere")
            exc.person = person  # type: ignore[attr-defined]  # read by the refusal audit (_audited_refusals)
            raise exc
        person.account = actor
        person.save(update_fields=["account", "updated_at"])
        _attempt(actor, "person.link", {"via": "id_number+name+verified_mobile"}, person)
        forget(actor)
        return LINKED, None
    if person is not None:
        why = "linked_elsewhere" if person.account_id else "no_match"
        request = LinkRequest.objects.create(town=town, neighbourhood=person.neighbourhood or nbh, account=actor,
                                             kind=LinkRequest.SELF, person=person, name_given=clean, why=why)
    else:
        new = create_person(actor, town, checked_by="people.link.request", name=clean, id_number=parsed.number,
                            id_type=parsed.kind, neighbourhood=nbh, phone=mobile)
        request = LinkRequest.objects.create(town=town, neighbourhood=nbh, account=actor, kind=LinkRequest.SELF,
                                             person=new, name_given=clean, why="new_person")
    _attempt(actor, "person.link_request", {"request": request.pk, "why": request.why}, request.person)
    return PENDING, request


@_audited_refusals("person.child_refused")
def add_child(actor, *, name: str, id_number: str, relation: str, consent: bool) -> tuple[str, LinkRequest | None]:
    """A linked resident adds their child. A child not on the register is registered (the
    guardian's neighbourhood), linked and the guardian's consent recorded at once; a child
    already on the register is linked only after staff confirm the relation (the guardian sees
    nothing of the child's record before that)."""
    guardian = own_person(actor)
    if guardian is None:
        raise Forbidden(_("请先完成本人的实名绑定，再添加孩子"))
    require(actor, "people.child.add", guardian)
    errors = ErrorList()
    clean = errors.check(clean_name, name)
    parsed = _identity(errors, id_number)
    if relation not in dict(GuardianLink.RELATIONS):
        errors.add("relation", _("请选择与孩子的关系"))
    if not consent:
        errors.add("consent", _("须由监护人同意，才能使用孩子的个人信息"))
    if parsed is not None and parsed.birth_date is not None:
        from lehuo.lib.identity import age_at

        if age_at(parsed.birth_date, timezone.localdate()) >= 18:
            errors.add("id_number", _("只能添加未满18周岁的孩子"))
    if parsed is not None and guardian.id_hash == id_hash(parsed.kind, parsed.number):
        errors.add("id_number", _("不能添加本人"))
    errors.raise_if_any()

    existing = Person.objects.filter(town=guardian.town, id_hash=id_hash(parsed.kind, parsed.number)).first()
    if existing is not None:
        if GuardianLink.objects.filter(child=existing, guardian=guardian).exists():
            raise ServiceError(_("您已添加过这个孩子"), "id_number", code="already_linked")
        if LinkRequest.objects.filter(kind=LinkRequest.CHILD, person=existing, guardian=guardian,
                                      status=LinkRequest.PENDING).exists():
            raise ServiceError(_("该申请正在核实中，请耐心等待"), "id_number", code="pending")
        why = "other_guardian" if existing.guardian_links.exists() else "existing_child"
        request = LinkRequest.objects.create(
            town=guardian.town, neighbourhood=existing.neighbourhood or guardian.neighbourhood, account=actor,
            kind=LinkRequest.CHILD, person=existing, guardian=guardian, relation=relation, consent=True,
            name_given=clean, why=why)
        _attempt(actor, "person.child_request", {"request": request.pk, "why": why}, existing)
        return PENDING, request
    child = create_person(actor, guardian.town, checked_by="people.child.add", name=clean, id_number=parsed.number,
                          id_type=parsed.kind, neighbourhood=guardian.neighbourhood)
    link_guardian(actor, child, guardian, relation, checked_by="people.child.add")
    record_consent(actor, child, str(CHILD_CONSENT_PURPOSE), guardian=guardian, checked_by="people.child.add")
    forget(actor)
    return LINKED, None


def link_requests_for(actor):
    """The pending requests a social worker (their neighbourhoods) or town admin may decide."""
    require(actor, "people.link.confirm")
    return (LinkRequest.objects.filter(scope_q(actor, "people.link.confirm"), status=LinkRequest.PENDING)
            .select_related("person", "guardian", "neighbourhood", "account"))


def get_link_request_for(actor, pk) -> LinkRequest:
    from lehuo.platform.errors import NotFound

    request = LinkRequest.objects.filter(pk=pk).select_related("person", "guardian", "account").first() \
        if str(pk).isdigit() else None
    if request is None:
        raise NotFound()
    require(actor, "people.link.confirm", request)
    return request


@transaction.atomic
def decide_link(actor, request: LinkRequest, *, confirm: bool, note: str = "") -> LinkRequest:
    """A social worker (who has seen the resident or their papers) confirms or refuses."""
    require(actor, "people.link.confirm", request)
    request = LinkRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != LinkRequest.PENDING:
        raise ServiceError(_("该申请已处理"), None, code="decided")
    note = clean_text(note, "note", _("说明"), max_length=200, required=not confirm) if (note or not confirm) else ""
    person = request.person
    if person is None:  # a request always names its person (set when it is made)
        raise ServiceError(_("该申请已处理"), None, code="decided")
    if confirm and request.kind == LinkRequest.SELF:
        if person.account_id and person.account_id != request.account_id:
            raise ServiceError(_("此人已绑定其他账户：请先与本人核实，并由镇管理员解除原绑定"), None)
        if Person.objects.filter(account=request.account).exclude(pk=person.pk).exists():
            raise ServiceError(_("该账户已绑定其他人员"), None)
        person.account = request.account
        person.save(update_fields=["account", "updated_at"])
    elif confirm:
        guardian = request.guardian
        assert guardian is not None  # a child's request names the resident's own person
        link_guardian(actor, person, guardian, request.relation or "other", checked_by="people.link.confirm")
        if request.consent:
            record_consent(actor, person, str(CHILD_CONSENT_PURPOSE), guardian=guardian,
                           checked_by="people.link.confirm")
    request.status = LinkRequest.CONFIRMED if confirm else LinkRequest.REFUSED
    request.decided_by, request.decided_at, request.note = actor, timezone.now(), note
    request.save(update_fields=["status", "decided_by", "decided_at", "note"])
    log_action(actor, "person.link_confirm" if confirm else "person.link_refuse", person,
               {"request": request.pk, "kind": request.kind, "why": request.why, "note": note})
    return request


# --- PIPL requests -----------------------------------------------------------------------------

@transaction.atomic
def create_data_request(actor, *, kind: str, text: str) -> DataRequest:
    person = own_person(actor)
    if person is None:
        raise Forbidden(_("请先完成实名绑定"))
    require(actor, "people.data_request.create", person)
    errors = ErrorList()
    if kind not in dict(DataRequest.KINDS):
        errors.add("kind", _("请选择申请类型"))
    clean = errors.check(clean_text, text, "text", _("说明"), max_length=1000, multiline=True)
    errors.raise_if_any()
    request = DataRequest.objects.create(person=person, account=actor, kind=kind, text=clean)
    log_action(actor, "person.data_request", person, {"request": request.pk, "kind": kind})
    return request


def data_requests_for(actor):
    require(actor, "people.data_request.handle")
    return (DataRequest.objects.filter(scope_q(actor, "people.data_request.handle"), status=DataRequest.OPEN)
            .select_related("person", "person__neighbourhood"))


def get_data_request_for(actor, pk) -> DataRequest:
    from lehuo.platform.errors import NotFound

    request = DataRequest.objects.filter(pk=pk).select_related("person").first() if str(pk).isdigit() else None
    if request is None:
        raise NotFound()
    require(actor, "people.data_request.handle", request)
    return request


@transaction.atomic
def handle_data_request(actor, request: DataRequest, *, done: bool, answer: str) -> DataRequest:
    """Staff record what they did (the correction itself through update_person, an erasure
    through erase_person by the town admin); the resident sees the answer."""
    require(actor, "people.data_request.handle", request)
    request = DataRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != DataRequest.OPEN:
        raise ServiceError(_("该申请已处理"), None)
    request.answer = clean_text(answer, "answer", _("处理说明"), max_length=200)
    request.status = DataRequest.DONE if done else DataRequest.REFUSED
    request.handled_by, request.handled_at = actor, timezone.now()
    request.save(update_fields=["answer", "status", "handled_by", "handled_at"])
    log_action(actor, "person.data_request_handled", request.person,
               {"request": request.pk, "kind": request.kind, "status": request.status})
    return request
