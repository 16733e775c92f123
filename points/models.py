"""The points ledger: append-only entries, lots with expiry, and the records
(purchases, refunds, adjustments) whose natural keys make outside writes
idempotent."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Member, Store


class ExpiryPolicy(models.TextChoices):
    ROLLING = "rolling", _("Rolling N months from earning")
    ANNUAL_DATE = "annual_date", _("Fixed annual clearing date")
    FISCAL_YEAR_END = "fiscal_year_end", _("End of the fiscal year of earning")
    NEXT_YEAR_END = "next_year_end", _("End of the next calendar year")
    NEVER = "never", _("Never")


class ProgrammeRules(models.Model):
    """The programme's rules: one row, edited in the admin (history in its log)."""

    earn_points = models.PositiveIntegerField(
        _("earn: points"), default=1, validators=[MinValueValidator(1)]
    )
    earn_per_yuan = models.DecimalField(
        _("earn: per yuan"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Members earn the points above for every this many yuan."),
    )
    pay_points_per_yuan = models.PositiveIntegerField(
        _("pay: points per yuan"),
        default=100,
        validators=[MinValueValidator(1)],
        help_text=_("How many points make one yuan when paying with points."),
    )
    pay_min_order = models.DecimalField(
        _("pay: minimum order (yuan)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("200.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    pay_max_share = models.DecimalField(
        _("pay: maximum share of the order"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.500"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("0.5 means points may pay at most half of an order."),
    )
    pay_step = models.PositiveIntegerField(
        _("pay: step (points)"),
        default=100,
        validators=[MinValueValidator(1)],
        help_text=_("Points are used in multiples of this."),
    )
    expiry_policy = models.CharField(
        _("expiry policy"),
        max_length=20,
        choices=ExpiryPolicy.choices,
        default=ExpiryPolicy.ROLLING,
    )
    expiry_months = models.PositiveSmallIntegerField(
        _("expiry: months (rolling)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    expiry_month = models.PositiveSmallIntegerField(
        _("expiry: month (annual date / fiscal year end)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    expiry_day = models.PositiveSmallIntegerField(
        _("expiry: day (annual date / fiscal year end)"),
        default=31,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    transfer_enabled = models.BooleanField(_("transfers enabled"), default=True)
    transfer_minimum = models.PositiveIntegerField(
        _("transfer minimum (points)"), default=100
    )
    adjustment_approval_threshold = models.PositiveIntegerField(
        _("adjustments needing a second approver (points)"),
        default=1000,
        help_text=_("Manual adjustments of more than this many points need approval."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("programme rules")
        verbose_name_plural = _("programme rules")

    def __str__(self) -> str:
        return str(_("Programme rules"))


class Category(models.Model):
    """A product category as the POS sends it, with its earn rate or exclusion."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    excluded = models.BooleanField(
        _("excluded"),
        default=False,
        help_text=_("Lines in this category earn nothing (tobacco, gift cards…)."),
    )
    rate_points = models.PositiveIntegerField(
        _("rate: points"), default=1, validators=[MinValueValidator(1)]
    )
    rate_per = models.DecimalField(
        _("rate: per"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_(
            "The category earns rate_points / rate_per times the programme rate "
            "(1 per 3 for diamonds, 1 per 40 for gold)."
        ),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class Terminal(models.Model):
    """A POS terminal's API key. Only a hash of the key is stored."""

    name = models.CharField(_("name"), max_length=100)
    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.PROTECT, related_name="+"
    )
    key_prefix = models.CharField(_("key prefix"), max_length=12, unique=True)
    key_hash = models.CharField(_("key hash"), max_length=64)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("terminal")
        verbose_name_plural = _("terminals")

    def __str__(self) -> str:
        return f"{self.store.code} {self.name}"


class Purchase(models.Model):
    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.PROTECT, related_name="+"
    )
    receipt_no = models.CharField(_("receipt number"), max_length=64)
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="purchases",
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    points_used = models.PositiveIntegerField(_("points used"), default=0)
    points_value = models.DecimalField(
        _("value of points used"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
    )
    eligible_amount = models.DecimalField(
        _("eligible amount"), max_digits=12, decimal_places=2
    )
    qualifying_amount = models.DecimalField(
        _("qualifying spend"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Counts toward tiers; lowered by refunds."),
    )
    points_earned = models.IntegerField(_("points earned"), default=0)
    breakdown = models.JSONField(_("breakdown"), default=list)
    lines = models.JSONField(_("lines"), default=list, blank=True)
    refunded_amount = models.DecimalField(
        _("refunded amount"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    points_reversed = models.IntegerField(_("points reversed"), default=0)
    points_restored = models.IntegerField(_("points restored"), default=0)
    balance_after = models.IntegerField(_("balance after"))
    request_hash = models.CharField(max_length=64)
    occurred_at = models.DateTimeField(_("occurred at"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    terminal = models.ForeignKey(
        Terminal,
        verbose_name=_("terminal"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("operator"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        permissions = [("use_counter", _("Can use the counter page"))]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "receipt_no"], name="purchase_store_receipt"
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=models.F("amount")),
                name="purchase_refunds_within_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "occurred_at"], name="purchase_member_time"),
        ]

    def __str__(self) -> str:
        return f"{self.store.code}/{self.receipt_no}"


class Refund(models.Model):
    purchase = models.ForeignKey(
        Purchase,
        verbose_name=_("purchase"),
        on_delete=models.PROTECT,
        related_name="refunds",
    )
    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.PROTECT, related_name="+"
    )
    refund_no = models.CharField(_("refund number"), max_length=64)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    points_reversed = models.IntegerField(_("points reversed"), default=0)
    points_restored = models.IntegerField(_("points restored"), default=0)
    points_restored_expired = models.IntegerField(
        _("restored points already expired"), default=0
    )
    balance_after = models.IntegerField(_("balance after"))
    request_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    terminal = models.ForeignKey(
        Terminal,
        verbose_name=_("terminal"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("operator"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.UniqueConstraint(
                fields=["store", "refund_no"], name="refund_store_refund_no"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store.code}/{self.refund_no}"


class LedgerEntry(models.Model):
    """One movement of points. Never updated, never deleted."""

    class Kind(models.TextChoices):
        EARN = "earn", _("Earn")
        BONUS = "bonus", _("Bonus")
        CAMPAIGN = "campaign", _("Campaign")
        REDEEM = "redeem", _("Redeem")
        PAY = "pay", _("Pay with points")
        REFUND_REVERSAL = "refund_reversal", _("Refund reversal")
        RESTORE = "restore", _("Restore")
        EXPIRE = "expire", _("Expire")
        ADJUST = "adjust", _("Adjustment")
        TRANSFER_IN = "transfer_in", _("Transfer in")
        TRANSFER_OUT = "transfer_out", _("Transfer out")
        OPENING = "opening", _("Opening balance")

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    points = models.IntegerField(_("points"))
    balance_after = models.IntegerField(_("balance after"))
    store = models.ForeignKey(
        Store,
        verbose_name=_("store"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("operator"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    terminal = models.ForeignKey(
        Terminal,
        verbose_name=_("terminal"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    purchase = models.ForeignKey(
        Purchase,
        verbose_name=_("purchase"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
    )
    refund = models.ForeignKey(
        Refund,
        verbose_name=_("refund"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
    )
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects entry"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    dedupe_key = models.CharField(
        _("idempotency key"), max_length=120, null=True, blank=True, unique=True
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["member", "-id"], name="ledger_member_recent"),
            models.Index(fields=["kind", "created_at"], name="ledger_kind_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.points:+d}"


class Lot(models.Model):
    """Points from one credit, spent earliest-expiring first."""

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="lots"
    )
    entry = models.ForeignKey(
        LedgerEntry,
        verbose_name=_("credited by"),
        on_delete=models.PROTECT,
        related_name="lots",
    )
    points = models.PositiveIntegerField(_("points"))
    remaining = models.PositiveIntegerField(_("remaining"))
    earned_at = models.DateTimeField(_("earned at"))
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        indexes = [
            models.Index(
                fields=["member", "expires_at", "earned_at", "id"],
                name="lot_open_by_expiry",
                condition=Q(remaining__gt=0),
            ),
            models.Index(
                fields=["expires_at"],
                name="lot_open_due",
                condition=Q(remaining__gt=0),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(remaining__lte=models.F("points")),
                name="lot_remaining_within_points",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.remaining}/{self.points}"


class LotConsumption(models.Model):
    """Which lots a debit took, and how much of that a refund has restored."""

    entry = models.ForeignKey(
        LedgerEntry,
        verbose_name=_("debit"),
        on_delete=models.PROTECT,
        related_name="consumptions",
    )
    lot = models.ForeignKey(
        Lot,
        verbose_name=_("lot"),
        on_delete=models.PROTECT,
        related_name="consumptions",
    )
    points = models.PositiveIntegerField(_("points"))
    restored = models.PositiveIntegerField(_("restored"), default=0)

    class Meta:
        verbose_name = _("lot consumption")
        verbose_name_plural = _("lot consumptions")
        constraints = [
            models.CheckConstraint(
                condition=Q(restored__lte=models.F("points")),
                name="consumption_restored_within_points",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.points}"


class Adjustment(models.Model):
    """A manual adjustment; above the programme's threshold it waits for approval."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        POSTED = "posted", _("Posted")
        REJECTED = "rejected", _("Rejected")

    class Reason(models.TextChoices):
        CORRECTION = "correction", _("Correction of an error")
        GOODWILL = "goodwill", _("Goodwill / complaint")
        MIGRATION = "migration", _("Migration from the old system")
        FRAUD = "fraud", _("Fraud or abuse")
        OTHER = "other", _("Other")

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="adjustments",
    )
    points = models.IntegerField(_("points"))
    reason_code = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved or rejected by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    entry = models.OneToOneField(
        LedgerEntry,
        verbose_name=_("ledger entry"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adjustment",
    )
    store = models.ForeignKey(
        Store,
        verbose_name=_("store"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustments")
        ordering = ["-id"]
        permissions = [("approve_adjustment", _("Can approve large adjustments"))]

    def __str__(self) -> str:
        return f"{self.points:+d} {self.get_reason_code_display()}"


class IdempotencyRecord(models.Model):
    """The stored answer to a POST sent with an Idempotency-Key header."""

    terminal = models.ForeignKey(
        Terminal, verbose_name=_("terminal"), on_delete=models.PROTECT, related_name="+"
    )
    key = models.CharField(_("key"), max_length=200)
    method_path = models.CharField(max_length=300)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(
                fields=["terminal", "key"], name="idempotency_terminal_key"
            ),
        ]

    def __str__(self) -> str:
        return self.key
