"""Compilation runs, draft recommendations and their success criteria (built on the evidence app).

A run's state lives here, not in Celery: tasks claim and update these rows. Each run writes its own
drafts; a lead's edits are kept as history (django-simple-history) and never overwritten by a later run.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from evidence.models import Consultation, EcosystemComponent, Indicator
from mmip.history import HistoricalRecords


class CompilationRunQuerySet(models.QuerySet):
    def finished(self):
        return self.filter(state__in=[CompilationRun.State.SUCCEEDED, CompilationRun.State.FAILED])


class CompilationRun(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="compilation_runs")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    parameters = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    components_total = models.PositiveSmallIntegerField(default=0)
    components_done = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    # Figures computed once for the whole run, before its components: {"baselines": {indicator slug: baseline}}
    # (see recommendations.compile.data.Baseline). Every component and every export reads them from here.
    figures = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The last sign of life: claimed, a component finished. A run that shows none for
    # MMIP_COMPILATION_STALL_MINUTES has lost its worker (services.runs_recover_stalled).
    progress_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=1)

    objects = CompilationRunQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="failed") | ~Q(error=""),
                name="compilationrun_failure_has_message",
                violation_error_message="A failed run must say why it failed.",
            )
        ]

    def __str__(self) -> str:
        return f"Run {self.pk} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("recommendations:run_detail", kwargs={"pk": self.pk})

    @property
    def is_finished(self) -> bool:
        return self.state in {self.State.SUCCEEDED, self.State.FAILED}

    @property
    def progress_percent(self) -> int:
        if not self.components_total:
            return 100 if self.is_finished else 0
        return round(100 * self.components_done / self.components_total)

    @property
    def seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class ComponentResult(models.Model):
    """What one component's task produced, as plain data (see recommendations.compile.data)."""

    class State(models.TextChoices):
        DONE = "done", "Done"
        NOT_ENOUGH = "not_enough", "Not enough evidence"
        FAILED = "failed", "Failed"

    run = models.ForeignKey(CompilationRun, on_delete=models.CASCADE, related_name="results")
    component = models.ForeignKey(EcosystemComponent, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=12, choices=State.choices)
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict)
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["run", "component__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "component"],
                name="componentresult_one_per_component",
                violation_error_message="This component already has a result in this run.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.component} in run {self.run_id}: {self.get_state_display()}"


class PublicBodyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class PublicBody(models.Model):
    """A UK public body a recommendation can name as the actor (seeded by a data migration, editable in the
    admin). The compilation names it when the evidence behind an ask names it or one of its aliases."""

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=40, blank=True, help_text="How a draft names it, e.g. 'DfE'.")
    aliases = models.JSONField(
        default=list, blank=True, help_text="Other names respondents use, e.g. ['Department for Education']."
    )
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    objects = PublicBodyQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "public bodies"

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name

    def names(self) -> list[str]:
        return [n for n in dict.fromkeys([self.name, self.short_name, *self.aliases]) if n]


class Recommendation(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"

    run = models.ForeignKey(CompilationRun, on_delete=models.CASCADE, related_name="recommendations")
    component = models.ForeignKey(EcosystemComponent, on_delete=models.PROTECT, related_name="recommendations")
    number = models.PositiveSmallIntegerField(help_text="Position within the component in this run.")
    title = models.CharField(max_length=300)
    objective = models.TextField(help_text="What outcome, for whom.")
    # [{"text": ..., "references": ["MMIP-0001", ...]}, ...]
    rationale = models.JSONField(default=list, blank=True)
    dissent = models.JSONField(default=list, blank=True)
    # The figures audit: every figure the draft states ({"value", "text", "origin", "reference"}), and the
    # numbers in its text nothing explains (a draft with any cannot be approved).
    figures = models.JSONField(default=list, blank=True)
    unexplained = models.JSONField(default=list, blank=True)
    actor = models.CharField(max_length=200, blank=True, help_text="Who should act; blank: needs lead input.")
    timescale = models.CharField(max_length=200, blank=True, help_text="By when; blank: needs lead input.")
    contested = models.BooleanField(default=False, help_text="Opposition is strong relative to support.")
    # How the compilation ranked and built it: supporters, types, coded and detected asks, the source ask,
    # rank (ties shown as ties) and the other components that raised the same ask.
    basis = models.JSONField(default=dict, blank=True)
    also_components = models.ManyToManyField(
        EcosystemComponent, blank=True, related_name="cross_referenced_recommendations"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Optimistic locking: an edit saves only if nobody saved since the editor loaded the form.
    lock_version = models.PositiveIntegerField(default=1)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["run", "component__order", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "component", "number"],
                name="recommendation_unique_number_per_component_and_run",
                violation_error_message="This run already has a recommendation with this number.",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("recommendations:draft_detail", kwargs={"pk": self.pk})

    def references(self) -> list[str]:
        refs = [r for s in (*self.rationale, *self.dissent) for r in s.get("references", [])]
        return list(dict.fromkeys(refs))


class ThemeQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Theme.Status.APPROVED)

    def shown(self):
        """Themes a lead sees on the run page (merged ones live on in the theme they were merged into)."""
        return self.exclude(status=Theme.Status.MERGED)


class Theme(models.Model):
    """A theme of what respondents said about a component in one run. Leads rename, merge and approve
    them; an approved label carries over to a later run's theme with the same members, and only approved
    wording reaches the public 'You said, we did' page."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        APPROVED = "approved", "Approved"
        MERGED = "merged", "Merged into another theme"

    run = models.ForeignKey(CompilationRun, on_delete=models.CASCADE, related_name="themes")
    component = models.ForeignKey(EcosystemComponent, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=200, help_text="The phrase drawn from its members (or a lead's wording).")
    suggested_label = models.CharField(max_length=200, blank=True, help_text="What the compilation proposed.")
    other_points = models.BooleanField(default=False, help_text="Points made by one response each.")
    members = models.JSONField(default=list, help_text="References of the responses in the theme.")
    stances = models.JSONField(default=dict, blank=True, help_text="Each member's stance on the component.")
    # sha256 of the sorted member references: finds the same theme in a later run.
    member_key = models.CharField(max_length=64, db_index=True)
    supports = models.PositiveIntegerField(default=0)
    opposes = models.PositiveIntegerField(default=0)
    mixed = models.PositiveIntegerField(default=0)
    quotes = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    merged_into = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    objects = ThemeQuerySet.as_manager()

    class Meta:
        ordering = ["run", "component__order", "other_points", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "component", "number"],
                name="theme_unique_number_per_component_and_run",
                violation_error_message="This run already has a theme with this number for the component.",
            ),
            models.CheckConstraint(
                condition=~Q(status="merged") | Q(merged_into__isnull=False),
                name="theme_merged_names_target",
                violation_error_message="A merged theme must name the theme it was merged into.",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def public_label(self) -> str | None:
        """The wording the public may read: only a lead's approved label."""
        return self.label if self.status == self.Status.APPROVED else None


class SuccessCriterion(models.Model):
    """A SMART success criterion. Fields the evidence cannot support stay empty and are listed in
    ``needs_input`` ("needs lead input"), never invented. Complete when the baseline is known and a lead
    (or the evidence) has set the target, deadline, owner, data source and frequency."""

    class Direction(models.TextChoices):
        INCREASE = "increase", "Increase"
        DECREASE = "decrease", "Decrease"

    LEAD_FIELDS = ("target_value", "deadline", "owner", "data_source", "frequency")
    LABELS = {
        "target_value": "target value",
        "deadline": "deadline",
        "owner": "owner",
        "data_source": "data source",
        "frequency": "frequency",
    }

    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="criteria")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    indicator_name = models.CharField(max_length=200)
    baseline_value = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    baseline_unit = models.CharField(max_length=80, blank=True)
    baseline_period = models.CharField(max_length=60, blank=True)
    baseline_source = models.CharField(max_length=300, blank=True)
    baseline_method = models.TextField(blank=True, help_text="How the baseline was derived.")
    baseline_references = models.JSONField(default=list, blank=True)
    baseline_status = models.CharField(max_length=300, default="ok")
    baseline_text = models.CharField(max_length=300, blank=True, help_text="The baseline in words.")
    baseline_trend = models.CharField(max_length=300, blank=True, help_text="First period → latest period.")
    # Further sentences: values side by side, confidential responses counted, the published figure.
    baseline_notes = models.JSONField(default=list, blank=True)
    target_value = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    # Where a target proposed in evidence came from (empty once a lead sets a target of their own).
    target_references = models.JSONField(default=list, blank=True)
    target_note = models.CharField(max_length=500, blank=True, help_text="The sentence proposing the target.")
    target_direction = models.CharField(max_length=8, choices=Direction.choices)
    deadline = models.DateField(null=True, blank=True)
    owner = models.CharField(max_length=200, blank=True)
    data_source = models.CharField(max_length=300, blank=True)
    frequency = models.CharField(max_length=100, blank=True)
    needs_input = models.JSONField(default=list, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["recommendation", "pk"]
        verbose_name_plural = "success criteria"

    def __str__(self) -> str:
        return f"{self.indicator_name} ({self.get_target_direction_display().lower()})"

    def field_display(self, name: str) -> str:
        value = getattr(self, name)
        return str(value) if value not in (None, "") else "needs lead input"

    def missing(self) -> list[str]:
        """What a lead still has to fill in, in words ("baseline" when the evidence gave none)."""
        out = [] if self.baseline_status == "ok" else ["baseline"]
        return out + [self.LABELS[f] for f in self.LEAD_FIELDS if getattr(self, f) in (None, "")]

    @property
    def is_complete(self) -> bool:
        return not self.missing()

    @property
    def unit(self) -> str:
        return self.indicator.unit if self.indicator_id else self.baseline_unit

    @property
    def kind(self) -> str:
        return self.indicator.kind if self.indicator_id else "level"

    def target_display(self) -> str:
        """ "Increase to 5% of global medicines manufacturing", or the direction and "needs lead input"."""
        from evidence.units import format_value

        direction = self.get_target_direction_display()
        if self.target_value is None:
            return f"{direction}: value needs lead input"
        return f"{direction} to {format_value(self.target_value, self.unit, self.kind)}"


class Export(models.Model):
    """A file made for a lead (a pack or the evidence register), kept and logged: who, what, when, and
    whether it includes commercially confidential evidence."""

    class Kind(models.TextChoices):
        PACK = "pack", "Recommendation pack"
        REGISTER = "register", "Evidence register"

    class Format(models.TextChoices):
        DOCX = "docx", "Word (DOCX)"
        PDF = "pdf", "PDF"
        MD = "md", "Markdown"
        JSON = "json", "JSON"
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (XLSX)"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Origin(models.TextChoices):
        WEB = "web", "Leads' pages (kept here)"
        COMMAND = "command", "Command line (written to a path)"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    format = models.CharField(max_length=5, choices=Format.choices)
    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="exports")
    run = models.ForeignKey(CompilationRun, on_delete=models.PROTECT, null=True, blank=True, related_name="exports")
    approved_only = models.BooleanField(default=False)
    include_confidential = models.BooleanField(default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    origin = models.CharField(max_length=8, choices=Origin.choices, default=Origin.WEB)
    # Who ran a command-line export when no account was named (the operating-system user).
    requested_by_name = models.CharField(max_length=150, blank=True)
    destination = models.CharField(max_length=500, blank=True, help_text="Where a command wrote the file.")
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    # Progress: rows written of the total (register), or steps done of the total (pack).
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    file = models.CharField(max_length=300, blank=True, help_text="Name of the kept file in the exports storage.")
    size = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="pack") | Q(run__isnull=False),
                name="export_pack_needs_run",
                violation_error_message="A recommendation pack is exported from a compilation run.",
            ),
            models.CheckConstraint(
                condition=(Q(kind="pack") & Q(format__in=["docx", "pdf", "md", "json"]))
                | (Q(kind="register") & Q(format__in=["csv", "xlsx"])),
                name="export_format_fits_kind",
                violation_error_message="Packs are DOCX, PDF, Markdown or JSON; registers are CSV or XLSX.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_format_display()}) #{self.pk}"

    @property
    def progress_percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, round(100 * self.rows_done / self.rows_total))

    @property
    def requester(self) -> str:
        if self.requested_by_id:
            return self.requested_by.email or self.requested_by.get_username()
        return self.requested_by_name or "command line"

    @property
    def filename(self) -> str:
        what = f"pack-run-{self.run_id}" if self.kind == self.Kind.PACK else f"register-{self.consultation.slug}"
        mark = "-CONFIDENTIAL" if self.include_confidential else ""
        return f"mmip-{what}{mark}.{self.format}"


class DashboardSnapshot(models.Model):
    """The leads' dashboard as last computed (recommendations.dashboard): the page reads this one row, so it
    costs the same whatever the size of the call and whether or not autovacuum has caught up. Recomputed
    every few minutes while the consultation is open (Celery beat), when a lead opens a stale page (in the
    background), or on demand ("Recompute now"); the page says when its figures were computed."""

    consultation = models.OneToOneField(Consultation, on_delete=models.CASCADE, related_name="dashboard_snapshot")
    data = models.JSONField()
    computed_at = models.DateTimeField()
    took_ms = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Dashboard of {self.consultation} at {self.computed_at:%Y-%m-%d %H:%M}"
