from django.conf import settings
from django.db import models


class WeeklySummaryDelivery(models.Model):
    """One person's weekly summary, recorded so that a re-run of the beat task (or a
    second beat) never sends anyone the same week twice. The week is the ISO week,
    named by its Monday."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_summaries"
    )
    week = models.DateField(help_text="The Monday of the ISO week summarised.")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "weekly summary deliveries"
        constraints = [
            models.UniqueConstraint(fields=["recipient", "week"], name="one_summary_per_week")
        ]

    def __str__(self):
        return f"Weekly summary for {self.recipient} (week of {self.week})"
