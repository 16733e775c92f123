"""The members part of the demo programme that `make run` seeds.

Every step creates what is missing and changes nothing that exists, so a rerun
is a no-op and staff edits (or a changed password) survive it. Members are a
deterministic sequence: the n-th demo member has the same name, phone and card
number on every machine, so `--members 50` followed by `--members 2000` adds
the other 1,950.

Other apps add their own part in `<app>/demo.py` with a function
`seed(*, options: DemoOptions) -> dict[str, int]`; `manage.py seed_demo` runs them
in INSTALLED_APPS order, so members never imports the apps that depend on it.
"""

import dataclasses
import datetime
import random
from collections.abc import Callable, Iterator
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from faker import Faker

from members.cards import luhn_check_digit
from members.models import CardEvent, Member, StaffProfile, Store, Tier, TierChange
from members.phones import normalize_phone
from members.roles import ROLE_CASHIER, ROLE_HQ, ROLE_MARKETING, ROLE_STORE_MANAGER
from members.services import entry_tier

DEFAULT_MEMBER_COUNT = 2000
DEFAULT_SEED = 2026
BATCH_SIZE = 500

# (code, name, share of the members who call it home)
DEMO_STORES = [
    ("S001", "总店", 0.5),
    ("S002", "东门店", 0.3),
    ("S003", "线上商城", 0.2),
]


@dataclasses.dataclass(frozen=True)
class DemoTier:
    code: str
    name: str
    rank: int
    threshold: Decimal
    multiplier: Decimal
    discount_percent: Decimal


DEMO_TIERS = [
    DemoTier("basic", "普通会员", 0, Decimal("0"), Decimal("1"), Decimal("0")),
    DemoTier("silver", "银卡会员", 1, Decimal("1000"), Decimal("1.2"), Decimal("5")),
    DemoTier("gold", "金卡会员", 2, Decimal("5000"), Decimal("1.5"), Decimal("10")),
    DemoTier("platinum", "白金会员", 3, Decimal("20000"), Decimal("2"), Decimal("15")),
]
DEMO_BIRTHDAY_BONUS = 200


@dataclasses.dataclass(frozen=True)
class DemoStaff:
    username: str
    role: str
    store_code: str | None  # None: head office, all stores


DEMO_STAFF = [
    DemoStaff("manager", ROLE_STORE_MANAGER, "S001"),
    DemoStaff("cashier", ROLE_CASHIER, "S001"),
    DemoStaff("marketing", ROLE_MARKETING, None),
    DemoStaff("hqadmin", ROLE_HQ, None),
]

# Mobile number blocks of the three carriers that phonenumbers knows as CN mobile.
MOBILE_PREFIXES = [
    str(block)
    for blocks in (range(130, 140), range(150, 160), range(175, 179), range(180, 190))
    for block in blocks
    if block != 154
] + ["166", "198", "199"]


@dataclasses.dataclass(frozen=True)
class DemoOptions:
    members: int = DEFAULT_MEMBER_COUNT
    seed: int = DEFAULT_SEED


@dataclasses.dataclass(frozen=True)
class DemoPerson:
    index: int
    name: str
    phone: str  # E.164
    card_no: str
    store_code: str
    birth_month: int | None
    birth_day: int | None
    birth_year: int | None
    marketing_opt_out: bool
    referrer_index: int | None
    joined_days_ago: float


def seed(*, options: DemoOptions) -> dict[str, int]:
    """The members app's demo step: stores, tiers, staff, members."""
    created: dict[str, int] = {}
    created.update(seed_stores_and_tiers())
    created.update(seed_staff())
    created.update(seed_members(count=options.members, seed=options.seed))
    return created


def seed_stores_and_tiers() -> dict[str, int]:
    stores = 0
    for code, name, _share in DEMO_STORES:
        _store, was_created = Store.objects.get_or_create(
            code=code, defaults={"name": name}
        )
        stores += was_created
    tiers = 0
    for spec in DEMO_TIERS:
        _tier, was_created = Tier.objects.get_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "rank": spec.rank,
                "entry_threshold": spec.threshold,
                # Same as entry: a member keeps a tier while spending what it took
                # to reach it. The grace period softens the edge.
                "retain_threshold": spec.threshold,
                "basis": Tier.Basis.ROLLING,
                "window_months": 12,
                "multiplier": spec.multiplier,
                "discount_percent": spec.discount_percent,
                "birthday_bonus": DEMO_BIRTHDAY_BONUS,
            },
        )
        tiers += was_created
    return {
        str(Store._meta.verbose_name_plural): stores,
        str(Tier._meta.verbose_name_plural): tiers,
    }


def seed_staff(*, password: str | None = None) -> dict[str, int]:
    """The demo staff, each in their role's group; the password only on creation."""
    user_model = get_user_model()
    password = password or settings.JIFEN_DEMO_PASSWORD
    stores = {store.code: store for store in Store.objects.all()}
    users = 0
    with transaction.atomic():
        for staff in DEMO_STAFF:
            user, was_created = user_model.objects.get_or_create(
                username=staff.username, defaults={"is_staff": True}
            )
            if was_created:
                user.set_password(password)
                user.save(update_fields=["password"])
            users += was_created
            group, _created = Group.objects.get_or_create(name=staff.role)
            user.groups.add(group)
            StaffProfile.objects.get_or_create(
                user=user,
                defaults={
                    "store": stores[staff.store_code] if staff.store_code else None
                },
            )
    return {str(user_model._meta.verbose_name_plural): users}


def seed_members(
    *, count: int = DEFAULT_MEMBER_COUNT, seed: int = DEFAULT_SEED
) -> dict[str, int]:
    """The first `count` demo members, bulk-created with their enrol records.

    The same rows member_enrol writes (member, CardEvent "issued", TierChange
    "enrol"), in batches, because 2,000 one-by-one enrolments are slow on SQLite.
    """
    tier = entry_tier()
    stores = {store.code: store for store in Store.objects.all()}
    now = timezone.now()
    pk_by_index: dict[int, int] = {}
    created = 0
    batch: list[DemoPerson] = []
    for person in demo_people(count=count, seed=seed):
        batch.append(person)
        if len(batch) == BATCH_SIZE:
            created += _create_batch(batch, tier, stores, now, pk_by_index)
            batch = []
    if batch:
        created += _create_batch(batch, tier, stores, now, pk_by_index)
    return {str(Member._meta.verbose_name_plural): created}


def demo_people(*, count: int, seed: int = DEFAULT_SEED) -> Iterator[DemoPerson]:
    """A deterministic sequence of plausible members, in order of joining."""
    faker = Faker("zh_CN")
    faker.seed_instance(seed)
    rng = random.Random(seed)
    store_codes = [code for code, _name, _share in DEMO_STORES]
    store_shares = [share for _code, _name, share in DEMO_STORES]
    phones: set[str] = set()
    cards: set[str] = set()
    for index in range(count):
        phone = _unique(lambda: _random_mobile(rng), phones)
        card_no = _unique(lambda: _random_card_no(rng), cards)
        birth_month = birth_day = birth_year = None
        if rng.random() < 0.85:
            born = faker.date_of_birth(minimum_age=16, maximum_age=75)
            birth_month, birth_day = born.month, born.day
            # Many members give only the month and day.
            birth_year = born.year if rng.random() < 0.7 else None
        # A referrer from an earlier batch, which already has its primary key.
        earlier = index - index % BATCH_SIZE
        referrer_index = (
            rng.randrange(earlier) if earlier and rng.random() < 0.06 else None
        )
        yield DemoPerson(
            index=index,
            name=faker.name(),
            phone=phone,
            card_no=card_no,
            store_code=rng.choices(store_codes, weights=store_shares)[0],
            birth_month=birth_month,
            birth_day=birth_day,
            birth_year=birth_year,
            marketing_opt_out=rng.random() < 0.08,
            referrer_index=referrer_index,
            # Spread over the past year in index order, so referrers joined first.
            joined_days_ago=365 * (1 - (index + rng.random()) / max(count, 1)),
        )


def _unique[T](make: Callable[[], T], seen: set[T]) -> T:
    while True:
        value = make()
        if value not in seen:
            seen.add(value)
            return value


def _random_mobile(rng: random.Random) -> str:
    while True:
        national = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        try:
            return normalize_phone(national)
        except ValidationError:  # a number block phonenumbers doesn't know
            continue


def _random_card_no(rng: random.Random) -> str:
    prefix = settings.JIFEN_CARD_PREFIX
    body_length = settings.JIFEN_CARD_LENGTH - len(prefix) - 1
    body = prefix + "".join(rng.choice("0123456789") for _ in range(body_length))
    return body + luhn_check_digit(body)


def _create_batch(
    batch: list[DemoPerson],
    tier: Tier,
    stores: dict[str, Store],
    now: datetime.datetime,
    pk_by_index: dict[int, int],
) -> int:
    phones = [person.phone for person in batch]
    existing = dict(Member.objects.filter(phone__in=phones).values_list("phone", "pk"))
    for person in batch:
        if person.phone in existing:
            pk_by_index[person.index] = existing[person.phone]
    new = [person for person in batch if person.phone not in existing]
    if not new:
        return 0
    taken_cards = _taken_card_numbers([person.card_no for person in new])
    members = [
        Member(
            card_no=person.card_no,
            phone=person.phone,
            name=person.name,
            birth_month=person.birth_month,
            birth_day=person.birth_day,
            birth_year=person.birth_year,
            home_store=stores[person.store_code],
            referrer_id=pk_by_index.get(person.referrer_index)
            if person.referrer_index is not None
            else None,
            marketing_opt_out=person.marketing_opt_out,
            joined_at=now - datetime.timedelta(days=person.joined_days_ago),
            tier=tier,
        )
        for person in new
        # A number someone else holds (or held) is skipped, never reused.
        if person.card_no not in taken_cards
    ]
    with transaction.atomic():
        Member.objects.bulk_create(members)
        CardEvent.objects.bulk_create(
            CardEvent(
                member=member,
                kind=CardEvent.Kind.ISSUED,
                card_no=member.card_no,
                created_at=member.joined_at,
            )
            for member in members
        )
        TierChange.objects.bulk_create(
            TierChange(
                member=member,
                to_tier=tier,
                reason=TierChange.Reason.ENROL,
                changed_at=member.joined_at,
            )
            for member in members
        )
    by_phone = {member.phone: member.pk for member in members}
    for person in new:
        if person.phone in by_phone:
            pk_by_index[person.index] = by_phone[person.phone]
    return len(members)


def _taken_card_numbers(card_numbers: list[str]) -> set[str]:
    return set(
        Member.objects.filter(card_no__in=card_numbers).values_list(
            "card_no", flat=True
        )
    ) | set(
        CardEvent.objects.filter(card_no__in=card_numbers).values_list(
            "card_no", flat=True
        )
    )
