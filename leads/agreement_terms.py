"""The terms of the agreement marketing and sales sign, as data: no database here.

An agreement version stores its terms as JSON (leads.models.AgreementVersion.terms);
`Terms.from_json` reads them back into this frozen dataclass, which every rule that the
agreement governs reads:

1. **Qualification**: the lead fields every handed-off lead must have, more fields per
   lead source and per persona (by name), and the company sizes that qualify (empty:
   any). `Terms.qualification_gaps(lead)` says what a lead is missing, in words.
2. **Follow-up SLA**: first touch within N hours of the handoff; at least M attempts, on
   at least K different channels, before a lead may be disqualified; both can be set per
   lead source (`sla_by_source`), as the per-source SLA rows did before the agreement.
3. **Disqualification reasons** the agreement allows (by name; empty: every active one).
4. **Who may override** the qualification at handoff (role names).
5. **Marketing's commitments**: leads per month, and list quality (at most this share of
   a handed-off month's leads disqualified as bad data, in percent).

`redline(old, new)` lists the terms that differ between two versions, as the two
signers see them before they sign.
"""

from dataclasses import asdict, dataclass, field, fields

# The lead fields qualification may require, and how the refusal names them.
QUALIFYING_FIELDS = {
    "first_name": "first name",
    "last_name": "last name",
    "phone": "phone",
    "title": "job title",
    "source": "source",
    "persona": "persona",
    "account": "company",
    "account.industry": "company industry",
    "account.size": "company size",
}

DEFAULT_HOURS = 24
DEFAULT_ATTEMPTS = 3


@dataclass(frozen=True)
class SourceSla:
    """The follow-up SLA for one lead source (attribute names as the old SlaPolicy rows,
    so that the callers of leads.services.sla_policy_for read it unchanged)."""

    source: str = ""
    hours_to_first_touch: int = DEFAULT_HOURS
    min_attempts_before_disqualify: int = DEFAULT_ATTEMPTS


@dataclass(frozen=True)
class Terms:
    hours_to_first_touch: int = DEFAULT_HOURS
    min_attempts_before_disqualify: int = DEFAULT_ATTEMPTS
    min_channels_before_disqualify: int = 1
    # {"Trade show": {"hours_to_first_touch": 4, "min_attempts_before_disqualify": 2}}
    sla_by_source: dict = field(default_factory=dict)
    required_fields: tuple = ()
    required_fields_by_source: dict = field(default_factory=dict)
    required_fields_by_persona: dict = field(default_factory=dict)
    qualifying_sizes: tuple = ()
    disqualification_reasons: tuple = ()
    override_roles: tuple = ("Head of marketing",)
    leads_per_month: int = 0
    max_bad_data_percent: int = 0

    # -- reading and writing the JSON --

    @classmethod
    def from_json(cls, data: dict | None) -> "Terms":
        """Unknown keys are ignored and missing ones take the defaults, so a version
        written before a term existed still reads."""
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for name in ("required_fields", "qualifying_sizes", "disqualification_reasons"):
            if name in values:
                values[name] = tuple(values[name] or ())
        if "override_roles" in values:
            values["override_roles"] = tuple(values["override_roles"] or ())
        return cls(**values)

    def to_json(self) -> dict:
        data = asdict(self)
        for name, value in data.items():
            if isinstance(value, tuple):
                data[name] = list(value)
        return data

    def validate(self) -> dict[str, str]:
        """Errors by term; empty when the terms make sense."""
        errors = {}
        if self.hours_to_first_touch < 1:
            errors["hours_to_first_touch"] = "First touch needs at least 1 hour."
        if self.min_attempts_before_disqualify < 0:
            errors["min_attempts_before_disqualify"] = "Attempts cannot be negative."
        if not 1 <= self.min_channels_before_disqualify <= 4:
            errors["min_channels_before_disqualify"] = "Between 1 and 4 channels."
        if self.min_channels_before_disqualify > max(1, self.min_attempts_before_disqualify):
            errors["min_channels_before_disqualify"] = (
                "More channels than attempts cannot be met: each attempt uses one channel."
            )
        wanted = set(self.required_fields)
        for extra in self.required_fields_by_source.values():
            wanted |= set(extra)
        for extra in self.required_fields_by_persona.values():
            wanted |= set(extra)
        unknown = sorted(wanted - set(QUALIFYING_FIELDS))
        if unknown:
            errors["required_fields"] = f"Unknown lead fields: {', '.join(unknown)}."
        if self.leads_per_month < 0:
            errors["leads_per_month"] = "Leads per month cannot be negative."
        if not 0 <= self.max_bad_data_percent <= 100:
            errors["max_bad_data_percent"] = "A percentage between 0 and 100."
        return errors

    # -- the SLA --

    def sla_for(self, source: str) -> SourceSla:
        override = self.sla_by_source.get(source or "") or {}
        return SourceSla(
            source=source or "",
            hours_to_first_touch=int(
                override.get("hours_to_first_touch", self.hours_to_first_touch)
            ),
            min_attempts_before_disqualify=int(
                override.get("min_attempts_before_disqualify", self.min_attempts_before_disqualify)
            ),
        )

    def allows_reason(self, name: str) -> bool:
        return not self.disqualification_reasons or name in self.disqualification_reasons

    # -- qualification --

    def required_for(self, *, source: str, persona_name: str) -> list[str]:
        wanted = list(self.required_fields)
        for extra in (
            self.required_fields_by_source.get(source or "", ()),
            self.required_fields_by_persona.get(persona_name or "", ()),
        ):
            wanted += [name for name in extra if name not in wanted]
        return wanted

    def qualification_gaps(self, lead) -> list[str]:
        """What `lead` lacks to be a qualified lead under these terms, in words
        ("phone", "company size 50–249 or larger"); empty when it qualifies. Reads only
        attributes, so it runs on any object shaped like a Lead."""
        persona = getattr(lead, "persona", None)
        account = getattr(lead, "account", None)
        missing = []
        for name in self.required_for(
            source=getattr(lead, "source", ""), persona_name=getattr(persona, "name", "")
        ):
            if name.startswith("account."):
                value = getattr(account, name.split(".", 1)[1], "") if account else ""
            else:
                value = getattr(lead, name, None)
            if not value or (isinstance(value, str) and not value.strip()):
                missing.append(QUALIFYING_FIELDS.get(name, name))
        if self.qualifying_sizes:
            size = getattr(account, "size", "") if account else ""
            if size not in self.qualifying_sizes:
                missing.append(f"company size {' or '.join(self.qualifying_sizes)}")
        return missing


# What each term is called on the agreement page and in the redline.
TERM_LABELS = {
    "hours_to_first_touch": "First touch within (hours)",
    "min_attempts_before_disqualify": "Attempts before disqualifying",
    "min_channels_before_disqualify": "Channels before disqualifying",
    "sla_by_source": "SLA per lead source",
    "required_fields": "Required lead fields",
    "required_fields_by_source": "Required fields per source",
    "required_fields_by_persona": "Required fields per persona",
    "qualifying_sizes": "Qualifying company sizes",
    "disqualification_reasons": "Disqualification reasons allowed",
    "override_roles": "Who may override qualification",
    "leads_per_month": "Marketing commits: leads per month",
    "max_bad_data_percent": "Marketing commits: at most % bad data",
}


def describe(value) -> str:
    """A term's value in words, for the page and the redline."""
    if isinstance(value, dict):
        if not value:
            return "none"
        parts = []
        for key, inner in sorted(value.items()):
            if isinstance(inner, dict):
                inner = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(inner.items()))
            elif isinstance(inner, list | tuple):
                inner = ", ".join(QUALIFYING_FIELDS.get(v, v) for v in inner)
            parts.append(f"{key}: {inner}")
        return "; ".join(parts)
    if isinstance(value, list | tuple):
        return ", ".join(QUALIFYING_FIELDS.get(v, v) for v in value) if value else "any"
    return str(value)


@dataclass(frozen=True)
class TermChange:
    term: str
    label: str
    before: str
    after: str


def redline(old: Terms | None, new: Terms) -> list[TermChange]:
    """The terms `new` changes against `old` (the version in force), in page order.
    Without a version in force every term is new."""
    old_json = old.to_json() if old is not None else {}
    changes = []
    for name, after in new.to_json().items():
        before = old_json.get(name)
        if old is not None and before == after:
            continue
        changes.append(
            TermChange(
                term=name,
                label=TERM_LABELS.get(name, name),
                before="" if old is None else describe(before),
                after=describe(after),
            )
        )
    return changes
