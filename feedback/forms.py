from datetime import timedelta

from django import forms
from django.utils import timezone

from leads.models import Channel
from smarketing.forms import ModelMultipleChoiceField
from smarketing.idempotency import IdempotencyField

from .models import CallLog, ObjectionTag


class PreloadedChoiceMixin:
    """A model choice that the view has already read from the field's own choices (the
    lead or version the request names) is taken as it is, without reading it again:
    `preloaded` holds those instances. Any other value is checked against the choices
    as usual."""

    preloaded = ()

    def to_python(self, value):
        if value not in self.empty_values:
            for instance in self.preloaded:
                if str(value) == str(instance.pk):
                    return instance
        return super().to_python(value)


class LeadChoiceField(PreloadedChoiceMixin, forms.ModelChoiceField):
    pass


class VersionChoiceField(PreloadedChoiceMixin, forms.ModelChoiceField):
    def label_from_instance(self, version):
        state = "live" if version.status == "live" else "older"
        return f"{version.message.title} · v{version.number} ({state})"


PASSAGE_PREFIX = "passage_"


class CallLogForm(forms.Form):
    """The whole conversation, quick to fill: taps for the reaction, the outcome and the
    objections, and the message as its passages, each editable on its own (the wording
    said differently) and choosable as the one the customer's words answer.

    The edited wording is rebuilt from the version's passages and the ones edited
    (`edited_body` in cleaned_data), so call_log_create stores the edits as usual. A
    post without passage fields (an older form, a client) may send `edited_body` whole.
    A failed save re-renders with everything typed.
    """

    lead = LeadChoiceField(queryset=None, label="Lead")
    version = VersionChoiceField(
        queryset=None,
        required=False,
        empty_label="No message / general call",
        label="Message used",
    )
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.CALL)
    occurred_at = forms.DateTimeField(
        label="When",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    reaction = forms.TypedChoiceField(
        choices=CallLog.Reaction.choices,
        coerce=int,
        widget=forms.RadioSelect,
        label="How did the customer react?",
    )
    outcome = forms.ChoiceField(
        choices=CallLog.Outcome.choices, widget=forms.RadioSelect, label="Outcome"
    )
    objections = ModelMultipleChoiceField(
        queryset=ObjectionTag.objects.filter(status=ObjectionTag.Status.APPROVED),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    new_objections = forms.CharField(
        required=False,
        max_length=300,
        label="Other objections",
        help_text="Comma-separated; marketing reviews new ones.",
    )
    quote = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="The customer's words",
        help_text="Verbatim, if you noted it.",
    )
    quote_passage_key = forms.ChoiceField(
        required=False,
        label="The customer's words are about",
        choices=[("", "The whole message")],
        widget=forms.RadioSelect,
    )
    edited_body = forms.CharField(
        required=False, strip=False, max_length=50_000, widget=forms.HiddenInput
    )
    notes = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    idempotency_key = IdempotencyField()

    def conversation(self) -> dict:
        """What the salesperson said about the conversation, as the services take it
        (call_log_create and call_log_correct alike)."""
        data = self.cleaned_data
        return {
            "version": data["version"],
            "reaction": data["reaction"],
            "outcome": data["outcome"],
            "objections": data["objections"],
            "new_objection_names": data["new_objections"],
            "quote": data["quote"],
            "quote_passage_key": data["quote_passage_key"],
            "edited_body": data["edited_body"],
            "notes": data["notes"],
        }

    def __init__(
        self, *args, leads, versions, passages=(), said=None, preloaded=(), **kwargs
    ):  # fmt: skip
        """`passages` are the passages of the version shown; `said` what was said in
        place of each (by key), to prefill a correction; `preloaded` the lead and
        version the view read from `leads` and `versions` (PreloadedChoiceMixin)."""
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = leads
        self.fields["version"].queryset = versions
        known = [instance for instance in preloaded if instance is not None]
        self.fields["lead"].preloaded = [i for i in known if isinstance(i, leads.model)]
        self.fields["version"].preloaded = [i for i in known if isinstance(i, versions.model)]
        self.passages = list(passages)
        self.fields["quote_passage_key"].choices = [("", "The whole message")] + [
            (p.key, f"¶{p.position + 1}") for p in self.passages
        ]
        for passage in self.passages:
            self.fields[PASSAGE_PREFIX + passage.key] = forms.CharField(
                required=False,
                strip=False,
                max_length=20_000,
                initial=(said or {}).get(passage.key, passage.text),
                label=f"What you said instead of ¶{passage.position + 1}",
                help_text="Empty it if you left this passage out.",
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        self.fields["occurred_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        names = [PASSAGE_PREFIX + p.key for p in self.passages]
        whole = self.is_bound and self.passages and self.data.get("edited_body")
        if whole and not any(name in self.data for name in names):
            # A post with the wording whole: shown (and cleaned) passage by passage.
            from .services.calls import wording_by_passage

            said = wording_by_passage(
                version=self.passages[0].version, edited_body=self.data["edited_body"]
            )
            self.data = self.data.copy()
            for passage, name in zip(self.passages, names, strict=True):
                self.data[name] = said.get(passage.key, "")

    def passage_rows(self):
        """Each passage with its editor and its "the customer's words are about this"
        choice, in the message's order, for the template."""
        radios = list(self["quote_passage_key"])[1:]
        return [
            {
                "passage": passage,
                "field": self[PASSAGE_PREFIX + passage.key],
                "quote_radio": radio,
                "edited": self.is_bound
                and (PASSAGE_PREFIX + passage.key) in self.data
                and self.data[PASSAGE_PREFIX + passage.key].strip() != passage.text.strip(),
            }
            for passage, radio in zip(self.passages, radios, strict=True)
        ]

    def quote_whole_radio(self):
        return list(self["quote_passage_key"])[0]

    def clean_new_objections(self):
        return [name for name in self.cleaned_data["new_objections"].split(",") if name.strip()]

    def clean_occurred_at(self):
        value = self.cleaned_data["occurred_at"]
        if value > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError("A call cannot be logged in the future.")
        return value

    def clean(self):
        data = super().clean()
        version = data.get("version")
        if version is None:
            # A general call has no wording to compare and no passage to quote.
            data["edited_body"] = ""
            data["quote_passage_key"] = ""
            return data
        names = [PASSAGE_PREFIX + p.key for p in self.passages]
        if (
            self.passages
            and self.passages[0].version_id == version.pk
            and any(name in self.data for name in names)
        ):
            texts = []
            for passage, name in zip(self.passages, names, strict=True):
                text = data.get(name, passage.text) if name in self.data else passage.text
                if text.strip():
                    texts.append(text.strip())
            data["edited_body"] = "\n\n".join(texts)
        elif not data.get("edited_body"):
            data["edited_body"] = version.body
        return data


class RejectForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="The salespeople behind this suggestion read it.",
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, label="Comment"
    )


class AcceptForm(forms.Form):
    """What the marketer accepts: one of the suggestion's variants (the best evidenced
    when none is picked) and, optionally, its wording edited.

    The wording box comes prefilled (`prefilled` carries what it was prefilled with):
    when it is sent back unchanged, the picked variant's own wording is used, so that
    picking another variant works without JavaScript; a changed box is the marketer's
    wording, put in place of the picked variant's span.
    """

    variant = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    wording = forms.CharField(
        required=False,
        strip=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Wording to put into the draft",
        help_text="Leave it to use the wording you picked, or edit it.",
    )
    prefilled = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)

    def __init__(self, *args, variants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.variants = {variant.pk: variant for variant in variants}
        self.fields["variant"].choices = [(pk, pk) for pk in self.variants]

    def chosen(self):
        """(variant or None, wording or None) from the cleaned data."""
        variant = self.variants.get(self.cleaned_data.get("variant"))
        wording = self.cleaned_data.get("wording")
        if "wording" not in self.data:
            wording = None
        elif wording.strip() == (self.cleaned_data.get("prefilled") or "").strip():
            wording = None  # the box was left as it came: the picked variant's wording
        return variant, wording


class ObjectionEditForm(forms.Form):
    name = forms.CharField(max_length=80)
    handler = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="No handler yet",
        label="Handler message",
        help_text="The message that answers this objection; objection handlers are listed first.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.db.models import Case, IntegerField, Value, When

        from messaging.models import Message

        self.fields["handler"].queryset = Message.objects.annotate(
            first=Case(
                When(kind=Message.Kind.OBJECTION_HANDLER, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        ).order_by("first", "title")


class ObjectionMergeForm(forms.Form):
    into = forms.ModelChoiceField(
        queryset=None, label="Merge into", empty_label="Choose the objection to keep…"
    )

    def __init__(self, *args, tag, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = (
            ObjectionTag.objects.exclude(pk=tag.pk)
            .exclude(status=ObjectionTag.Status.MERGED)
            .order_by("name")
        )
