"""Fill a PostgreSQL database with a large, consistent Jifen programme.

    DJANGO_SETTINGS_MODULE=config.settings \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
    python bench/generate.py --members 1000000 --entries 10000000 [--reset]

Migrates, seeds the demo stores, tiers and programme rules (the same functions
`manage.py seed_demo` uses), then streams members, purchases, ledger entries,
lots, lot consumptions, card events and tier changes into PostgreSQL with
COPY. The history is simulated per member in Python with one seeded RNG, the
way the services would have written it: earn at the tier held at the time
(upgrades happen on the purchase that crosses a threshold and count from the
next one), pay with points under the programme's rules, debits consume lots
earliest-expiring first, balance_after chains and the cached member figures
add up, so `verify_ledger` passes. All history lies in the 330 days before
`--as-of`, so no lot is due yet (expiry is 12 months in the demo programme).

Why this shape (measured on the 2-core bench machine, see bench/README.md):
- COPY FREEZE into tables truncated in the same transaction: no WAL-heavy
  hint-bit rewrite or VACUUM afterwards;
- indexes, primary keys and foreign keys are dropped before the load and
  rebuilt afterwards from their own definitions (two at a time, one per
  core); rebuilding the foreign keys validates every reference;
- the per-member simulation (FIFO lot consumption, tier upgrades) is what
  makes set-based `INSERT ... SELECT generate_series` awkward; Python with
  preformatted text rows keeps up with the server's COPY ingestion.

Same seed and same --as-of give the same data, row for row.
"""

import argparse
import bisect
import datetime
import hashlib
import multiprocessing
import os
import random
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

# The tables the generator fills, in load order.
LOADED_TABLES = [
    "members_member",
    "members_cardevent",
    "members_tierchange",
    "points_purchase",
    "points_ledgerentry",
    "points_lot",
    "points_lotconsumption",
]
# Tables holding foreign keys to the loaded ones; emptied with them.
DEPENDENT_TABLES = [
    "members_auditentry",
    "points_adjustment",
    "points_refund",
    "points_idempotencyrecord",
]

# Mobile blocks phonenumbers accepts in full as CN mobile (checked at start).
PHONE_BLOCKS = [
    "130", "131", "132", "133", "135", "136", "137", "138", "139",
    "150", "151", "152", "153", "155", "156", "157", "158", "159",
    "166", "175", "176", "177", "178",
    "180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
    "198", "199",
]  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华玉萍红娥玲芬燕兰凤洁梅琳素云莲真环雪荣爱妹香月莺媛瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽峰浩然宇轩子涵博文"
# Share of members in each tier's spend band, lowest rank first (a tier with
# no share given gets the last one).
TIER_SHARES = [0.70, 0.20, 0.08, 0.02]
HISTORY_DAYS = 330
PAY_WISH = 0.3  # chance that a purchase (not the first) tries to pay with points
HOME_STORE_SHARE = 0.8


@dataclass(frozen=True)
class TierInfo:
    id: int
    rank: int
    threshold_cents: int
    multiplier_hundredths: int


@dataclass(frozen=True)
class Programme:
    """The programme rules as integers, so the simulation needs no Decimal."""

    earn_points: int
    earn_per_yuan_cents: int
    pay_points_per_yuan: int
    pay_min_order_cents: int
    pay_max_share_milli: int
    pay_step: int
    tiers: list[TierInfo]
    store_ids: list[int]
    store_codes: dict[int, str]
    expires: Callable[[int], str]
    # Cumulative shares of the spend bands, for bisect on a uniform draw.
    band_edges: list[float]


@dataclass(frozen=True)
class Plan:
    """What to generate; every member's rows are a function of this and its id."""

    members: int
    entries: int
    seed: int
    as_of: int
    card_prefix: str
    card_length: int

    def entries_for(self, index: int) -> int:
        """Entries of the member at `index`: exactly entries/members on average.

        Members pair up (0 and 1, 2 and 3, ...) with opposite spreads, so the
        entries before any member are known without generating them.
        """
        mean, extra = divmod(self.entries, self.members)
        spread = mean - 1
        pair, second = divmod(index, 2)
        if index == self.members - 1 and not second:
            delta = 0  # an odd member count leaves the last one alone
        else:
            delta = _mix(pair, self.seed) % (2 * spread + 1) - spread
        return mean + (-delta if second else delta) + (1 if index < extra else 0)

    def entries_before(self, index: int) -> int:
        mean, extra = divmod(self.entries, self.members)
        before = mean * index + min(index, extra)
        # An odd index's partner (index - 1) is already counted with its spread.
        if index % 2:
            before += (
                self.entries_for(index - 1) - mean - (1 if index - 1 < extra else 0)
            )
        return before


def _mix(value: int, seed: int) -> int:
    """splitmix64: a cheap, well-spread hash of an integer."""
    z = (value + seed * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return z ^ (z >> 31)


@dataclass
class Counters:
    """The last id used per table while one member's rows are written.

    Each member owns a block of ids in every table, placed where no other
    member's can reach, so members are generated in any order and in
    parallel, and the rows do not depend on chunk size or worker count.
    Ledger entries are numbered without gaps (their count per member is
    planned); purchases, lots and consumptions leave small gaps.
    """

    purchase: int
    entry: int
    lot: int
    consumption: int
    tier_change: int

    @classmethod
    def at(cls, plan: Plan, index: int, tiers: int) -> "Counters":
        entries = plan.entries_before(index)
        # A member has at most as many purchases and lots as entries, at most
        # one consumption row per lot plus one per debit, and at most one
        # tier change per tier.
        return cls(entries, entries, entries, 2 * entries, index * tiers)


# --- text formatting for COPY --------------------------------------------------
_day_prefix: dict[int, str] = {}
# Formatting a time of day costs more than the rest of a row: look it up.
_CLOCK = [
    f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}+00"
    for second in range(86400)
]


def ts(epoch: int) -> str:
    """A UTC timestamp for COPY's text format, from epoch seconds."""
    day, second = divmod(epoch, 86400)
    prefix = _day_prefix.get(day)
    if prefix is None:
        date = datetime.date(1970, 1, 1) + datetime.timedelta(days=day)
        prefix = _day_prefix[day] = date.isoformat() + " "
    return prefix + _CLOCK[second]


def money(cents: int) -> str:
    yuan, cents = divmod(cents, 100)
    return f"{yuan}.{cents:02d}"


def request_hash(member_id: int, amount_cents: int, points_used: int, at: str) -> str:
    """points.services.request_hash of what purchase_record hashes.

    `at` is a `ts()` text; the service hashes `datetime.isoformat()`.
    """
    occurred = f"{at[:10]}T{at[11:19]}+00:00"
    text = (
        f'{{"amount":"{money(amount_cents)}","lines":[],"member":{member_id},'
        f'"occurred_at":"{occurred}","points_used":{points_used}}}'
    )
    return hashlib.sha256(text.encode()).hexdigest()


# --- member identities ------------------------------------------------------------
def phone_for(index: int, seed: int) -> str:
    """A unique CN mobile for each index: a bijection onto block x 10^8."""
    block = PHONE_BLOCKS[index % len(PHONE_BLOCKS)]
    # 73939133 is odd and not a multiple of 5, so it permutes 0..10^8-1.
    suffix = (index // len(PHONE_BLOCKS) * 73939133 + seed * 7919) % 10**8
    return f"+86{block}{suffix:08d}"


def card_for(index: int, seed: int, prefix: str, length: int) -> str:
    from members.cards import luhn_check_digit

    body_digits = length - len(prefix) - 1
    modulus = 10**body_digits
    # 6364136223 ends in 3: coprime with 10, so this permutes the bodies.
    body = prefix + f"{(index * 6364136223 + seed * 104729) % modulus:0{body_digits}d}"
    return body + luhn_check_digit(body)


# --- the per-member simulation ---------------------------------------------------------
def simulate_member(
    *,
    index: int,
    plan: Plan,
    programme: Programme,
    counters: Counters,
    rows: dict[str, list[str]],
) -> None:
    """Append the rows of the member at `index` (id index + 1) to `rows`."""
    rng = random.Random(plan.seed * 10_000_019 + index)
    member_id = index + 1
    as_of = plan.as_of
    tiers = programme.tiers
    joined = as_of - rng.randrange(2 * 86400, 1000 * 86400)
    home_store = (
        programme.store_ids[0]
        if rng.random() < 0.5
        else rng.choice(programme.store_ids)
    )
    # The spend band decides how far up the tiers the member climbs.
    band = bisect.bisect(programme.band_edges, rng.random())
    low = tiers[band].threshold_cents
    high = tiers[band + 1].threshold_cents if band + 1 < len(tiers) else low * 3
    spend = rng.randrange(max(low, 5000), max(high - 5000, low + 10000))

    # Plan: a pay-and-earn purchase writes two entries, a plain one writes one.
    wishes: list[bool] = []
    slots = plan.entries_for(index)
    while slots > 0:
        pay = bool(wishes) and slots >= 2 and rng.random() < PAY_WISH
        wishes.append(pay)
        slots -= 2 if pay else 1
    weights = [rng.lognormvariate(0, 0.6) for _ in wishes]
    total_weight = sum(weights)
    amounts = [max(100, int(spend * w / total_weight)) for w in weights]
    first = max(joined, as_of - HISTORY_DAYS * 86400) + 600
    times = sorted(rng.randrange(first, as_of - 3600) for _ in wishes)

    tier = tiers[0]
    counters.tier_change += 1
    rows["members_tierchange"].append(
        f"{counters.tier_change}\tenrol\t\t{ts(joined)}\t\\N\t\\N\t{member_id}\t{tier.id}\n"
    )
    balance = 0
    lifetime_points = 0
    lifetime_spend = 0
    # [lot id, remaining, points, entry id, earned at, its text]
    lots: list[list[Any]] = []
    purchases = 0
    deficit = 0
    position = 0
    while position < len(wishes) or deficit > 0:
        if position < len(wishes):
            wants_pay, amount, at = wishes[position], amounts[position], times[position]
        else:
            # A planned payment that the rules refused: make up its entry.
            deficit -= 1
            wants_pay, amount = False, rng.randrange(500, 8000)
            at = min(as_of - 60, at + rng.randrange(3600, 86400))
        position += 1
        store = home_store if rng.random() < HOME_STORE_SHARE else None
        store = store or rng.choice(programme.store_ids)
        purchases += 1
        counters.purchase += 1
        purchase_id = counters.purchase
        receipt = f"G{member_id:07d}-{purchases:03d}"
        reference = f"{programme.store_codes[store]}/{receipt}"
        stamp = ts(at)

        points_used = 0
        value_cents = 0
        if wants_pay:
            most = _max_payable(programme, amount, balance)
            if most:
                points_used = rng.randrange(1, most // programme.pay_step + 1)
                points_used *= programme.pay_step
                # Half up to the cent, as points.earning.points_value does.
                value_cents = (points_used * 200 + programme.pay_points_per_yuan) // (
                    2 * programme.pay_points_per_yuan
                )
            else:
                deficit += 1
        if points_used:
            balance -= points_used
            counters.entry += 1
            pay_entry = counters.entry
            rows["points_ledgerentry"].append(
                f"{pay_entry}\tpay\t{-points_used}\t{balance}\t{reference}\t\t\\N\t"
                f"{stamp}\t\\N\t{member_id}\t\\N\t{store}\t{purchase_id}\t\\N\t\\N\n"
            )
            left = points_used
            # Lots are in earning order, which is expiry order (rolling expiry).
            for lot in lots:
                if not left:
                    break
                if not lot[1]:
                    continue
                take = min(left, lot[1])
                lot[1] -= take
                left -= take
                counters.consumption += 1
                rows["points_lotconsumption"].append(
                    f"{counters.consumption}\t{take}\t0\t{pay_entry}\t{lot[0]}\n"
                )
        eligible = amount - value_cents
        exact_base = eligible * programme.earn_points
        base = exact_base // programme.earn_per_yuan_cents
        tier_extra = (exact_base * (tier.multiplier_hundredths - 100)) // (
            programme.earn_per_yuan_cents * 100
        )
        earned = base + tier_extra
        breakdown = f'[{{"points": {base}, "component": "base"}}'
        if tier_extra > 0:
            breakdown += f', {{"points": {tier_extra}, "component": "tier"}}'
        breakdown += "]"
        if earned:
            balance += earned
            counters.entry += 1
            rows["points_ledgerentry"].append(
                f"{counters.entry}\tearn\t{earned}\t{balance}\t{reference}\t\t\\N\t"
                f"{stamp}\t\\N\t{member_id}\t\\N\t{store}\t{purchase_id}\t\\N\t\\N\n"
            )
            counters.lot += 1
            lots.append([counters.lot, earned, earned, counters.entry, at, stamp])
        lifetime_points += earned
        lifetime_spend += eligible
        rows["points_purchase"].append(
            f"{purchase_id}\t{receipt}\t{money(amount)}\t{points_used}\t"
            f"{money(value_cents)}\t{money(eligible)}\t{money(eligible)}\t{earned}\t"
            f"{breakdown}\t[]\t0.00\t0\t0\t{balance}\t"
            f"{request_hash(member_id, amount, points_used, stamp)}\t{stamp}\t{stamp}\t"
            f"{member_id}\t\\N\t{store}\t\\N\n"
        )
        # The purchase that crosses a threshold earns at the old tier.
        for higher in reversed(tiers):
            if higher.rank <= tier.rank:
                break
            if lifetime_spend >= higher.threshold_cents:
                counters.tier_change += 1
                rows["members_tierchange"].append(
                    f"{counters.tier_change}\tupgrade\t{reference}\t{stamp}\t\\N\t"
                    f"{tier.id}\t{member_id}\t{higher.id}\n"
                )
                tier = higher
                break

    for lot_id, remaining, points, entry_id, earned_at, earned_text in lots:
        rows["points_lot"].append(
            f"{lot_id}\t{points}\t{remaining}\t{earned_text}\t"
            f"{programme.expires(earned_at)}\t{entry_id}\t{member_id}\n"
        )
    card_no = card_for(index, plan.seed, plan.card_prefix, plan.card_length)
    surname = SURNAMES[rng.randrange(len(SURNAMES))]
    given = "".join(GIVEN[rng.randrange(len(GIVEN))] for _ in range(rng.choice((1, 2))))
    if rng.random() < 0.85:
        month, day = rng.randrange(1, 13), rng.randrange(1, 29)
        year = str(rng.randrange(1950, 2008)) if rng.random() < 0.7 else "\\N"
        birthday = f"{month}\t{day}\t{year}"
    else:
        birthday = "\\N\t\\N\t\\N"
    opt_out = "t" if rng.random() < 0.08 else "f"
    rows["members_member"].append(
        f"{member_id}\t{card_no}\t\\N\t{phone_for(index, plan.seed)}\t{surname}{given}\t"
        f"{birthday}\tactive\t{opt_out}\t{ts(joined)}\t\\N\t{balance}\t"
        f"{lifetime_points}\t{money(lifetime_spend)}\t\\N\t\\N\t\\N\t{home_store}\t"
        f"{tier.id}\t\\N\n"
    )
    # One card each, so the card event's id is the member's.
    rows["members_cardevent"].append(
        f"{member_id}\tissued\t{card_no}\t\t0.00\t\t{ts(joined)}\t\\N\t{member_id}\n"
    )


def _max_payable(programme: Programme, amount_cents: int, usable: int) -> int:
    """points.selectors.payment_preview, in integers."""
    if amount_cents < programme.pay_min_order_cents or usable <= 0:
        return 0
    cap_value_cents = amount_cents * programme.pay_max_share_milli // 1000
    cap_points = cap_value_cents * programme.pay_points_per_yuan // 100
    most = min(cap_points, usable)
    return most - most % programme.pay_step


# --- database ---------------------------------------------------------------------------
def refuse_non_postgres() -> dict[str, Any]:
    from django.conf import settings

    database = settings.DATABASES["default"]
    if "postgresql" not in database["ENGINE"]:
        raise SystemExit(
            "bench/generate.py needs PostgreSQL: set DATABASE_URL=postgres://... "
            "(SQLite is the embedded default and far too small for this)."
        )
    return database


def reset_database(database: dict[str, Any]) -> None:
    import psycopg
    from psycopg import sql

    name = database["NAME"]
    if "bench" not in name:
        raise SystemExit(
            f"--reset drops the database; refusing for {name!r}, whose name "
            "does not contain 'bench'."
        )
    with psycopg.connect(
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)
            )
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    print(f"dropped and recreated database {name}")


def new_connection(database: dict[str, Any]) -> Any:
    import psycopg

    return psycopg.connect(
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        dbname=database["NAME"],
    )


@dataclass(frozen=True)
class Schema:
    """What is dropped before the load and rebuilt after it."""

    keys: list[tuple[str, str, str]]  # (table, name, definition): PK and UNIQUE
    indexes: list[tuple[str, str, str]]  # (table, name, CREATE INDEX ...)
    foreign_keys: list[tuple[str, str, str]]


def read_schema(cursor: Any) -> Schema:
    tables = LOADED_TABLES + DEPENDENT_TABLES
    cursor.execute(
        """
        SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid),
               c.contype
        FROM pg_constraint c
        WHERE c.contype IN ('p', 'u', 'f')
          AND (c.conrelid::regclass::text = ANY(%(t)s)
               OR c.confrelid::regclass::text = ANY(%(t)s))
        ORDER BY c.contype DESC, c.conrelid::regclass::text, c.conname
        """,
        {"t": tables},
    )
    keys, foreign_keys = [], []
    for table, name, definition, kind in cursor.fetchall():
        if kind == "f":
            foreign_keys.append((table, name, definition))
        elif table in LOADED_TABLES:
            keys.append((table, name, definition))
    cursor.execute(
        """
        SELECT i.tablename, i.indexname, i.indexdef
        FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename = ANY(%(t)s)
          AND NOT EXISTS (
              SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname
          )
        ORDER BY i.tablename, i.indexname
        """,
        {"t": LOADED_TABLES},
    )
    return Schema(keys, cursor.fetchall(), foreign_keys)


def drop_schema(cursor: Any, schema: Schema) -> None:
    from psycopg import sql

    for table, name, _definition in schema.foreign_keys:
        cursor.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                sql.Identifier(table), sql.Identifier(name)
            )
        )
    for _table, name, _definition in schema.indexes:
        cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    for table, name, _definition in schema.keys:
        cursor.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                sql.Identifier(table), sql.Identifier(name)
            )
        )


def rebuild_schema(database: dict[str, Any], schema: Schema, workers: int) -> None:
    """Keys, then indexes, then foreign keys (which need the keys), in parallel."""
    from psycopg import sql

    def add_constraint(item: tuple[str, str, str]) -> tuple[str, float]:
        table, name, definition = item
        statement = sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(
            sql.Identifier(table), sql.Identifier(name)
        ) + sql.SQL(definition)  # type: ignore[arg-type]
        return _timed(database, name, statement)

    def create_index(item: tuple[str, str, str]) -> tuple[str, float]:
        _table, name, definition = item
        return _timed(database, name, sql.SQL(definition))  # type: ignore[arg-type]

    for label, items, action in (
        ("keys", schema.keys, add_constraint),
        ("indexes", schema.indexes, create_index),
        ("foreign keys", schema.foreign_keys, add_constraint),
    ):
        started = time.monotonic()
        # Largest tables first so the two workers finish together.
        ordered = sorted(items, key=lambda item: _table_weight(item[0]))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for name, seconds in pool.map(action, ordered):
                if seconds > 5:
                    print(f"    {name}: {seconds:.1f} s", flush=True)
        print(
            f"  rebuilt {len(items)} {label} in {time.monotonic() - started:.0f} s",
            flush=True,
        )


_local = threading.local()


def _timed(database: dict[str, Any], name: str, statement: Any) -> tuple[str, float]:
    connection = getattr(_local, "connection", None)
    if connection is None:
        connection = _local.connection = new_connection(database)
        connection.autocommit = True
        # One worker per core: no parallel maintenance workers on top.
        connection.execute("SET maintenance_work_mem = '512MB'")
        connection.execute("SET max_parallel_maintenance_workers = 0")
    started = time.monotonic()
    connection.execute(statement)
    return name, time.monotonic() - started


def _table_weight(table: str) -> int:
    order = [
        "points_ledgerentry",
        "points_purchase",
        "points_lot",
        "points_lotconsumption",
    ]
    return order.index(table) if table in order else len(order)


# --- programme ----------------------------------------------------------------------------
def load_programme(as_of: int) -> Programme:
    from members.demo import seed_stores_and_tiers
    from members.models import Store, Tier
    from points.demo import seed_programme
    from points.expiry import expires_at_for
    from points.selectors import rules_get

    seed_stores_and_tiers()
    seed_programme()
    rules = rules_get()
    tiers = [
        TierInfo(
            id=tier.id,
            rank=tier.rank,
            threshold_cents=int(tier.entry_threshold * 100),
            multiplier_hundredths=int(tier.multiplier * 100),
        )
        for tier in Tier.objects.order_by("rank")
    ]
    stores = list(Store.objects.filter(active=True).order_by("code"))
    cache: dict[int, str] = {}

    def expires(earned_at: int) -> str:
        # Local days start on a quarter hour in every time zone.
        key = earned_at // 900
        text = cache.get(key)
        if text is None:
            moment = datetime.datetime.fromtimestamp(key * 900, tz=datetime.UTC)
            expiry = expires_at_for(rules, moment)
            text = cache[key] = "\\N" if expiry is None else ts(int(expiry.timestamp()))
        return text

    shares = TIER_SHARES[: len(tiers)]
    shares += [shares[-1]] * (len(tiers) - len(shares))
    edges = [sum(shares[: rank + 1]) / sum(shares) for rank in range(len(tiers) - 1)]
    return Programme(
        band_edges=edges,
        earn_points=rules.earn_points,
        earn_per_yuan_cents=int(rules.earn_per_yuan * 100),
        pay_points_per_yuan=rules.pay_points_per_yuan,
        pay_min_order_cents=int(rules.pay_min_order * 100),
        pay_max_share_milli=int(rules.pay_max_share * 1000),
        pay_step=rules.pay_step,
        tiers=tiers,
        store_ids=[store.id for store in stores],
        store_codes={store.id: store.code for store in stores},
        expires=expires,
    )


COLUMNS = {
    "members_member": (
        "id card_no card_lost_at phone name birth_month birth_day birth_year status "
        "marketing_opt_out joined_at tier_floor_until balance lifetime_points "
        "lifetime_spend erased_at merged_into_id referrer_id home_store_id tier_id "
        "tier_floor_id"
    ),
    "members_cardevent": (
        "id kind card_no new_card_no fee note created_at created_by_id member_id"
    ),
    "members_tierchange": (
        "id reason note changed_at changed_by_id from_tier_id member_id to_tier_id"
    ),
    "points_purchase": (
        "id receipt_no amount points_used points_value eligible_amount "
        "qualifying_amount points_earned breakdown lines refunded_amount "
        "points_reversed points_restored balance_after request_hash occurred_at "
        "created_at member_id operator_id store_id terminal_id"
    ),
    "points_ledgerentry": (
        "id kind points balance_after reference reason dedupe_key created_at "
        "corrects_id member_id operator_id store_id purchase_id refund_id terminal_id"
    ),
    "points_lot": "id points remaining earned_at expires_at entry_id member_id",
    "points_lotconsumption": "id points restored entry_id lot_id",
}


def check_columns() -> None:
    """Fail loudly if a model grew a NOT NULL column the generator doesn't fill."""
    from django.apps import apps

    missing = []
    for model in apps.get_models():
        table = model._meta.db_table
        if table not in COLUMNS:
            continue
        filled = set(COLUMNS[table].split())
        for model_field in model._meta.concrete_fields:
            if model_field.column not in filled:
                missing.append(f"{table}.{model_field.column}")
    if missing:
        raise SystemExit(
            "bench/generate.py does not fill these columns (update COLUMNS and "
            "simulate_member): " + ", ".join(missing)
        )


def self_check(programme: Programme, seed: int) -> None:
    """The generator's shortcuts agree with the code they stand in for."""
    from django.conf import settings
    from django.core.exceptions import ValidationError

    from members.cards import card_no_is_valid
    from members.phones import normalize_phone
    from points.services import request_hash as service_hash

    at = 1_750_000_000
    moment = datetime.datetime.fromtimestamp(at, tz=datetime.UTC)
    expected = service_hash(
        {
            "member": 7,
            "amount": Decimal("258.30"),
            "points_used": 100,
            "lines": [],
            "occurred_at": moment.isoformat(),
        }
    )
    assert request_hash(7, 25830, 100, ts(at)) == expected, "request hash drifted"
    rng = random.Random(seed)
    for index in [0, 1, 2, *rng.sample(range(10**7), 3000)]:
        phone = phone_for(index, seed)
        try:
            assert normalize_phone(phone) == phone
        except ValidationError:
            raise AssertionError(f"{phone} is not a valid CN mobile") from None
        card = card_for(
            index, seed, settings.JIFEN_CARD_PREFIX, settings.JIFEN_CARD_LENGTH
        )
        assert card_no_is_valid(card), card


_WORK: tuple[Plan, Programme] | None = None


def simulate_chunk(bounds: tuple[int, int]) -> tuple[dict[str, str], dict[str, int]]:
    """COPY text and row counts per table for members [start, stop)."""
    assert _WORK is not None
    plan, programme = _WORK
    start, stop = bounds
    rows: dict[str, list[str]] = {table: [] for table in LOADED_TABLES}
    for index in range(start, stop):
        counters = Counters.at(plan, index, len(programme.tiers))
        simulate_member(
            index=index, plan=plan, programme=programme, counters=counters, rows=rows
        )
    return (
        {table: "".join(lines) for table, lines in rows.items()},
        {table: len(lines) for table, lines in rows.items()},
    )


# --- the load --------------------------------------------------------------------------
def generate(args: argparse.Namespace) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    database = refuse_non_postgres()
    if args.reset:
        reset_database(database)
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    check_columns()
    from members.models import Member

    if Member.objects.exists():
        raise SystemExit(
            f"{database['NAME']} already holds members; pass --reset to start over."
        )
    as_of = int(args.as_of.timestamp())
    programme = load_programme(as_of)
    self_check(programme, args.seed)
    print(
        f"migrated and seeded the programme in {time.monotonic() - started:.1f} s "
        f"(as of {args.as_of.isoformat()}, seed {args.seed})",
        flush=True,
    )

    plan = Plan(
        members=args.members,
        entries=args.entries,
        seed=args.seed,
        as_of=as_of,
        card_prefix=settings.JIFEN_CARD_PREFIX,
        card_length=settings.JIFEN_CARD_LENGTH,
    )
    global _WORK
    _WORK = (plan, programme)
    # Fork the workers before any connection is open: they inherit the plan
    # and never touch the database.
    connections.close_all()
    pool = multiprocessing.get_context("fork").Pool(args.workers)

    connection = new_connection(database)
    cursor = connection.cursor()
    cursor.execute("SET synchronous_commit = off")
    schema = read_schema(cursor)
    drop_schema(cursor, schema)
    # FREEZE needs the tables emptied in the loading transaction.
    cursor.execute("TRUNCATE " + ", ".join(LOADED_TABLES + DEPENDENT_TABLES))
    print(
        f"dropped {len(schema.keys)} keys, {len(schema.indexes)} indexes and "
        f"{len(schema.foreign_keys)} foreign keys for the load",
        flush=True,
    )

    load_started = time.monotonic()
    bounds = [
        (start, min(start + args.chunk, args.members))
        for start in range(0, args.members, args.chunk)
    ]
    totals = dict.fromkeys(LOADED_TABLES, 0)
    copy_seconds = 0.0
    with pool:
        for texts, counts in pool.imap(simulate_chunk, bounds):
            copy_started = time.monotonic()
            for table in LOADED_TABLES:
                columns = ", ".join(COLUMNS[table].split())
                with cursor.copy(
                    f"COPY {table} ({columns}) FROM STDIN WITH (FREEZE)"
                ) as copy:
                    copy.write(texts[table])
                totals[table] += counts[table]
            copy_seconds += time.monotonic() - copy_started
            elapsed = time.monotonic() - load_started
            entries = totals["points_ledgerentry"]
            print(
                f"  {totals['members_member']:>10,} members  {entries:>11,} entries  "
                f"{totals['points_purchase']:>10,} purchases  {elapsed:6.0f} s "
                f"({entries / elapsed:,.0f} entries/s; waited on COPY "
                f"{copy_seconds:.0f} s)",
                flush=True,
            )
    for table in LOADED_TABLES:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"GREATEST((SELECT max(id) FROM {table}), 1))"
        )
    connection.commit()
    load_seconds = time.monotonic() - load_started
    print(f"loaded in {load_seconds:.0f} s", flush=True)

    rebuild_started = time.monotonic()
    rebuild_schema(database, schema, workers=args.workers)
    rebuild_seconds = time.monotonic() - rebuild_started
    analyze_started = time.monotonic()
    connection.autocommit = True
    cursor.execute("ANALYZE")
    print(f"analyzed in {time.monotonic() - analyze_started:.0f} s", flush=True)
    connection.close()

    verify(args.verify_sample, args.seed, args.members)
    total = time.monotonic() - started
    print("rows: " + ", ".join(f"{table} {count:,}" for table, count in totals.items()))
    entries = max(totals["points_ledgerentry"], 1)
    print(
        f"done in {total:.0f} s: load {load_seconds:.0f} s, indexes and keys "
        f"{rebuild_seconds:.0f} s; {total / entries * 1e6:.0f} s per million "
        "ledger entries overall"
    )


def verify(sample: int, seed: int, members: int) -> None:
    """Run the project's own ledger check on a sample of members."""
    if sample <= 0:
        return
    from points.invariants import ledger_mismatches

    started = time.monotonic()
    rng = random.Random(seed + 2)
    ids = sorted(rng.sample(range(1, members + 1), min(sample, members)))
    mismatches = list(ledger_mismatches(member_ids=ids))
    for mismatch in mismatches[:20]:
        print(f"  {mismatch}")
    if mismatches:
        raise SystemExit(f"{len(mismatches)} ledger mismatches in the sample")
    print(
        f"ledger_mismatches on {len(ids):,} sampled members: none "
        f"({time.monotonic() - started:.1f} s)",
        flush=True,
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--as-of",
        type=lambda text: datetime.datetime.fromisoformat(text).replace(
            tzinfo=datetime.UTC
        ),
        default=datetime.datetime.now(datetime.UTC).replace(
            minute=0, second=0, microsecond=0
        ),
        help="UTC end of the history, e.g. 2026-05-01T00:00 (default: this hour).",
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help="Drop and recreate the database first (its name must contain 'bench').",
    )
    parser.add_argument(
        "--chunk", type=int, default=20_000, help="Members per COPY round."
    )
    parser.add_argument("--workers", type=int, default=2, help="Parallel index builds.")
    parser.add_argument(
        "--verify-sample",
        type=int,
        default=2000,
        help="Members checked with ledger_mismatches afterwards (0: skip).",
    )
    args = parser.parse_args(argv)
    if args.members < 1:
        parser.error("--members must be positive")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    generate(args)


if __name__ == "__main__":
    main()
