"""What the API reads and writes, field by field: the schema (/api/v1/schema/) is built
from these. Input serializers only check types and sizes; the rules (who, when, which
status) are the services' and policies', so they hold for the API as for the pages."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from feedback.models import CallLog, PassageEdit, Suggestion
from leads.models import Attempt, Channel, Lead, Opportunity
from messaging.models import MessageVersion, Passage
from smarketing.events import EVENTS
from smarketing.forms import ID_LIMIT


def Id(**kwargs):  # noqa: N802 - reads like a field class
    """A row id: a positive integer that fits the database's 64-bit ids."""
    return serializers.IntegerField(min_value=1, max_value=ID_LIMIT - 1, **kwargs)


# --- Leads ---------------------------------------------------------------------------


class LeadSerializer(serializers.ModelSerializer):
    """A lead as the lead list shows it (the list reads only these columns)."""

    company = serializers.CharField(source="account.name", default=None, read_only=True)
    persona = serializers.CharField(source="persona.name", default=None, read_only=True)
    owner = serializers.CharField(source="owner.username", default=None, read_only=True)

    class Meta:
        model = Lead
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "title",
            "company",
            "persona",
            "source",
            "status",
            "owner",
            "created_at",
            "first_touch_at",
            "first_touch_due_at",
        ]
        read_only_fields = fields


class LeadDetailSerializer(LeadSerializer):
    play = serializers.IntegerField(source="play_id", allow_null=True, read_only=True)
    disqualification_reason = serializers.CharField(
        source="disqualification_reason.name", default=None, read_only=True
    )
    opportunity = serializers.SerializerMethodField()

    class Meta(LeadSerializer.Meta):
        fields = [
            *LeadSerializer.Meta.fields,
            "phone",
            "play",
            "attempt_count",
            "last_touch_at",
            "disqualification_reason",
            "disqualification_note",
            "disqualified_at",
            "closed_at",
            "opportunity",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_opportunity(self, lead) -> int | None:
        opportunity = getattr(lead, "opportunity", None)
        return opportunity.pk if opportunity else None


class LeadFieldsSerializer(serializers.Serializer):
    """The fields a CRM owns about a person: it may correct them at any time."""

    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=50, required=False, allow_blank=True)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    company = serializers.CharField(max_length=200, required=False, allow_blank=True)


class LeadUpsertSerializer(LeadFieldsSerializer):
    """A lead from a form or a vendor feed: created, or updated when the email is known."""

    email = serializers.EmailField(max_length=254)
    source = serializers.CharField(max_length=100, required=False, allow_blank=True)
    persona = Id(required=False, allow_null=True, help_text="A persona's id.")


# --- Attempts, opportunities -----------------------------------------------------------


class AttemptInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    outcome = serializers.ChoiceField(choices=Attempt.Outcome.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    occurred_at = serializers.DateTimeField(required=False, help_text="Default: now.")


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attempt
        fields = ["id", "lead", "channel", "outcome", "note", "occurred_at", "created_at"]
        read_only_fields = fields


class OpportunityInputSerializer(serializers.Serializer):
    lead = Id(help_text="The lead that becomes a deal (accepted, owned by you).")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    currency = serializers.ChoiceField(choices=Opportunity.Currency.choices, required=False)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    expected_close = serializers.DateField(required=False, allow_null=True)


class OpportunityCloseSerializer(serializers.Serializer):
    won = serializers.BooleanField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)


class OpportunitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Opportunity
        fields = [
            "id",
            "lead",
            "name",
            "amount",
            "currency",
            "stage",
            "expected_close",
            "created_at",
            "closed_at",
        ]
        read_only_fields = fields


# --- Messages ----------------------------------------------------------------------------


class PassageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Passage
        fields = ["key", "position", "kind", "text"]
        read_only_fields = fields


class VersionSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="message.title", read_only=True)
    passages = PassageSerializer(many=True, read_only=True)

    class Meta:
        model = MessageVersion
        fields = [
            "id",
            "message",
            "title",
            "number",
            "status",
            "published_at",
            "change_summary",
            "body",
            "passages",
        ]
        read_only_fields = fields


class PlayStepSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    day_offset = serializers.IntegerField()
    channel = serializers.CharField()
    instruction = serializers.CharField()
    message = serializers.IntegerField(source="message_id", allow_null=True)
    version = serializers.IntegerField(allow_null=True, help_text="The message's live version.")


class LeadPlaySerializer(serializers.Serializer):
    """What to say to this lead: the play's steps, and the live versions to use (the
    play's, in its order, or every live version when the lead has no play)."""

    lead = serializers.IntegerField()
    play = serializers.CharField(allow_null=True, help_text="The play's name.")
    steps = PlayStepSerializer(many=True)
    versions = VersionSerializer(many=True)


class SuggestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Suggestion
        fields = [
            "id",
            "message",
            "version",
            "kind",
            "passage_key",
            "original_text",
            "proposed_text",
            "status",
            "call_count",
            "rep_count",
            "created_at",
        ]
        read_only_fields = fields


# --- Call logs ----------------------------------------------------------------------------


class CallLogInputSerializer(serializers.Serializer):
    """A conversation logged from another tool. The wording said is given whole
    (`edited_body`) or per passage (`passages`: passage key → what was said instead, ""
    for a passage left out; passages not named were said as written)."""

    lead = Id()
    version = Id(required=False, allow_null=True, help_text="The version used; null: none.")
    reaction = serializers.ChoiceField(choices=CallLog.Reaction.choices)
    outcome = serializers.ChoiceField(choices=CallLog.Outcome.choices)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    occurred_at = serializers.DateTimeField(required=False, help_text="Default: now.")
    edited_body = serializers.CharField(
        max_length=50_000, required=False, allow_blank=True, trim_whitespace=False
    )
    passages = serializers.DictField(
        child=serializers.CharField(max_length=20_000, allow_blank=True, trim_whitespace=False),
        required=False,
    )
    objections = serializers.ListField(child=Id(), required=False, max_length=50)
    new_objections = serializers.ListField(
        child=serializers.CharField(max_length=80), required=False, max_length=20
    )
    quote = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    quote_passage_key = serializers.CharField(max_length=16, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)

    def validate(self, data):
        if data.get("passages") and data.get("edited_body"):
            raise serializers.ValidationError(
                {"passages": "Send the wording whole (edited_body) or per passage, not both."}
            )
        return data


class PassageEditSerializer(serializers.ModelSerializer):
    class Meta:
        model = PassageEdit
        fields = ["passage_key", "after_key", "kind", "original_text", "edited_text"]
        read_only_fields = fields


class CallLogSerializer(serializers.ModelSerializer):
    objections = serializers.SlugRelatedField(many=True, slug_field="name", read_only=True)
    passage_edits = PassageEditSerializer(many=True, read_only=True)
    salesperson = serializers.CharField(source="salesperson.username", read_only=True)

    class Meta:
        model = CallLog
        fields = [
            "id",
            "lead",
            "version",
            "salesperson",
            "channel",
            "occurred_at",
            "reaction",
            "outcome",
            "objections",
            "quote",
            "quote_passage_key",
            "notes",
            "edited_body",
            "has_edits",
            "passage_edits",
            "created_at",
        ]
        read_only_fields = fields


# --- Webhooks (the page's form reads these names too) ---------------------------------------


EVENT_CHOICES = [(name, f"{name}: {text}") for name, text in EVENTS.items()]
