from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from members.cards import validate_card_no
from members.phones import mask_phone
from members.pii import mask_name


class Store(models.Model):
    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    separate_points = models.BooleanField(
        _("separate points"),
        default=False,
        help_text=_(
            "Points earned here are spendable only here (no cross-store sharing)."
        ),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("store")
        verbose_name_plural = _("stores")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Tier(models.Model):
    class Basis(models.TextChoices):
        ROLLING = "rolling", _("Qualifying spend over a rolling window")
        LIFETIME = "lifetime", _("Lifetime qualifying spend")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=50)
    rank = models.PositiveSmallIntegerField(_("rank"), unique=True)
    entry_threshold = models.DecimalField(
        _("entry threshold (yuan)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    retain_threshold = models.DecimalField(
        _("retain threshold (yuan)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    basis = models.CharField(
        _("qualification basis"),
        max_length=10,
        choices=Basis.choices,
        default=Basis.ROLLING,
    )
    window_months = models.PositiveSmallIntegerField(
        _("window (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    multiplier = models.DecimalField(
        _("points multiplier"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("1"))],
    )
    discount_percent = models.DecimalField(
        _("discount %"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    birthday_bonus = models.PositiveIntegerField(
        _("birthday bonus (points)"), default=0
    )
    benefits = models.TextField(_("benefits"), blank=True)

    class Meta:
        ordering = ["rank"]
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        FROZEN = "frozen", _("Frozen")
        CLOSED = "closed", _("Closed")

    card_no = models.CharField(
        _("card number"), max_length=32, unique=True, validators=[validate_card_no]
    )
    card_lost_at = models.DateTimeField(
        _("card reported lost at"), null=True, blank=True
    )
    phone = models.CharField(_("mobile phone"), max_length=20, unique=True)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    birth_month = models.PositiveSmallIntegerField(
        _("birth month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    birth_day = models.PositiveSmallIntegerField(
        _("birth day"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    home_store = models.ForeignKey(
        Store,
        verbose_name=_("home store"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    referrer = models.ForeignKey(
        "self",
        verbose_name=_("referrer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    marketing_opt_out = models.BooleanField(
        _("marketing opt-out"),
        default=False,
        help_text=_("Excluded from campaigns that target members by characteristics."),
    )
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)
    tier = models.ForeignKey(
        Tier, verbose_name=_("tier"), on_delete=models.PROTECT, related_name="members"
    )
    tier_floor = models.ForeignKey(
        Tier,
        verbose_name=_("manually granted tier"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    tier_floor_until = models.DateField(
        _("manual tier granted until"), null=True, blank=True
    )
    # Cached figures, changed only by the services that write the ledger.
    balance = models.IntegerField(_("points balance"), default=0)
    lifetime_points = models.BigIntegerField(_("lifetime points earned"), default=0)
    lifetime_spend = models.DecimalField(
        _("lifetime qualifying spend"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["-id"]
        permissions = [
            ("reveal_pii", _("Can reveal members' full phone and name")),
            ("manage_cards", _("Can report cards lost and replace cards")),
            ("merge_members", _("Can merge duplicate members")),
        ]
        indexes = [
            models.Index(fields=["home_store", "-id"], name="member_store_recent"),
            models.Index(fields=["birth_month", "birth_day"], name="member_birthday"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_month__isnull=True, birth_day__isnull=True)
                | Q(birth_month__isnull=False, birth_day__isnull=False),
                name="member_birthday_month_and_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.card_no} {self.masked_name}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def birthday_display(self) -> str:
        if self.birth_month is None or self.birth_day is None:
            return ""
        month_day = f"{self.birth_month:02d}-{self.birth_day:02d}"
        return f"{self.birth_year:04d}-{month_day}" if self.birth_year else month_day

    @property
    def card_usable(self) -> bool:
        return self.card_lost_at is None and self.status == self.Status.ACTIVE


class TierChange(models.Model):
    class Reason(models.TextChoices):
        ENROL = "enrol", _("Enrolment")
        UPGRADE = "upgrade", _("Upgrade on qualifying spend")
        DOWNGRADE = "downgrade", _("Downgrade at recalculation")
        MANUAL = "manual", _("Manual change")
        MERGE = "merge", _("Member merge")

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="tier_changes",
    )
    from_tier = models.ForeignKey(
        Tier,
        verbose_name=_("from tier"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    to_tier = models.ForeignKey(
        Tier, verbose_name=_("to tier"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["member", "-changed_at"], name="tierchange_member")
        ]

    def __str__(self) -> str:
        return f"{self.from_tier or '-'} → {self.to_tier}"


class CardEvent(models.Model):
    """Every card number a member has held, and what happened to it."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("Issued")
        LOST = "lost", _("Reported lost")
        REPLACED = "replaced", _("Replaced")

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="card_events",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    card_no = models.CharField(_("card number"), max_length=32, db_index=True)
    new_card_no = models.CharField(_("new card number"), max_length=32, blank=True)
    fee = models.DecimalField(
        _("fee"), max_digits=8, decimal_places=2, default=Decimal("0.00")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("card event")
        verbose_name_plural = _("card events")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.card_no}"


class AuditEntry(models.Model):
    """Who looked at or changed what in a member's record (PIPL accountability)."""

    class Action(models.TextChoices):
        REVEAL = "reveal", _("Revealed PII")
        CARD_LOST = "card_lost", _("Reported card lost")
        CARD_REPLACED = "card_replaced", _("Replaced card")
        MERGED_AWAY = "merged_away", _("Merged into another member")
        MERGED_IN = "merged_in", _("Absorbed a duplicate member")
        TIER_SET = "tier_set", _("Set tier manually")

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="audit_entries",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["member", "-created_at"], name="audit_member")]

    def __str__(self) -> str:
        return self.get_action_display()


class StaffProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_profile",
    )
    store = models.ForeignKey(
        Store,
        verbose_name=_("home store"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Empty for head-office staff, who work across all stores."),
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return str(self.user)
