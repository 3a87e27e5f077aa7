"""The document models: the single source of truth for validation and the JSON Schema.

pydantic v2 models for the settings (``coordctl.yaml``) and the five kinds of DESIGN §2.
Unknown fields are errors. Scalars are parsed by ``coordctl.values``. Importing this
module defines the models (~150 ms), so only commands that read documents import it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ByteSize,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    TypeAdapter,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.json_schema import GenerateJsonSchema

from coordctl import schedule as _schedule
from coordctl import values as _values
from coordctl.values import (
    DATE_PATTERN,
    DATETIME_PATTERN,
    DURATION_PATTERN,
    LOCALES,
    SLUG,
    DateRange,
    Duration,
)

KINDS = ("department", "plan", "meeting", "drill", "action")


# --- scalar types -------------------------------------------------------------------

def _to_str(value: Any, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"expected {what}")
    return str(value)


def _slug(value: Any) -> str:
    text = _to_str(value, "an id (text such as 'water-rescue')")
    if not _values.is_slug(text):
        raise ValueError(
            f"'{text}' is not a valid id: use lowercase ASCII letters, digits and '-', "
            "at most 64 characters, starting and ending with a letter or digit")
    return text


def _ref(value: Any) -> str:
    text = _to_str(value, "the id of a document")
    if not text:
        raise ValueError("expected the id of a document, not empty text")
    return text


def _name(value: Any) -> str:
    text = _to_str(value, "an identifier")
    if not text.strip():
        raise ValueError("expected an identifier, not empty text")
    return text


def _text(value: Any) -> _values.Text:
    if isinstance(value, dict):
        if not value:
            raise ValueError("expected text in at least one locale: {zh-CN: ..., en: ...}")
        out = {}
        for locale, text in value.items():
            if locale not in LOCALES:
                raise ValueError(f"'{locale}' is not a locale here: use zh-CN or en")
            out[locale] = _to_str(text, f"text for the locale {locale}")
        return out
    return _to_str(value, "text, or a map of locale to text: {zh-CN: ..., en: ...}")


def _plain_text(value: Any) -> str:
    return _to_str(value, "text")


_TEXT_SCHEMA = {
    "anyOf": [
        {"type": "string"},
        {"type": "object", "minProperties": 1, "additionalProperties": False,
         "properties": {locale: {"type": "string"} for locale in LOCALES}},
    ],
    "description": "Text, or a map of locale (zh-CN, en) to text.",
}

Slug = Annotated[str, PlainValidator(_slug), WithJsonSchema({"type": "string", "pattern": SLUG})]
Ref = Annotated[str, PlainValidator(_ref), WithJsonSchema({"type": "string", "pattern": SLUG})]
Name = Annotated[str, PlainValidator(_name), WithJsonSchema({"type": "string", "minLength": 1})]
PlainText = Annotated[str, PlainValidator(_plain_text), WithJsonSchema({"type": "string"})]
Text = Annotated[Any, PlainValidator(_text), WithJsonSchema(_TEXT_SCHEMA)]
Markdown = Annotated[Any, PlainValidator(_text), WithJsonSchema(
    {**_TEXT_SCHEMA, "description": "Markdown (CommonMark; raw HTML is not rendered), "
                                    "or a map of locale to Markdown."})]
DurationT = Annotated[Duration, PlainValidator(_values.parse_duration), WithJsonSchema(
    {"type": "string", "pattern": DURATION_PATTERN,
     "description": "5m, 2h, 1h30m, 3d, 2w, or ISO 8601 such as PT5M or P3Y."}),
    # as written (P3Y), so JSON output and the schema's defaults are valid durations
    PlainSerializer(str, return_type=str, when_used="json")]
Date = Annotated[dt.date, PlainValidator(_values.parse_date), WithJsonSchema(
    {"type": "string", "pattern": DATE_PATTERN, "description": "A date: 2027-01-05."})]
LocalDateTime = Annotated[dt.datetime, PlainValidator(_values.parse_local_datetime), WithJsonSchema(
    {"type": "string", "pattern": DATETIME_PATTERN,
     "description": "A local date-time in the workspace time zone: 2027-01-05T09:30."})]
DateOrRange = Annotated[DateRange, PlainValidator(_values.parse_date_range), WithJsonSchema(
    {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}(?:/\d{4}-\d{2}-\d{2})?$",
     "description": "A date, or an inclusive range: 2027-02-05/2027-02-13."})]


def _email(value: Any) -> str:
    text = _to_str(value, "an e-mail address")
    local, at, domain = text.partition("@")
    if not at or not local or "." not in domain or " " in text:
        raise ValueError(f"'{text}' is not an e-mail address")
    return text


Email = Annotated[str, PlainValidator(_email), WithJsonSchema(
    {"type": "string", "format": "email"})]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


# --- settings -----------------------------------------------------------------------

class CalendarSettings(_Model):
    domain: str | None = None
    """Right-hand side of every calendar UID, e.g. coord.example.gov.cn."""
    site_url: str | None = None
    """Where the built site is published (optional)."""
    reminders: list[DurationT] = []
    """A VALARM this long before each event."""
    blackout: list[DateOrRange] = []
    """Dates or inclusive ranges with no drills or meetings."""

    @field_validator("site_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError(f"'{value}' is not an http(s) URL")
        return value


class PolicySettings(_Model):
    drill_every: DurationT = _values.parse_duration("P3Y")
    """Each plan must be drilled at least this often."""
    review_every: DurationT = _values.parse_duration("P3Y")
    """Each plan must be reviewed at least this often."""


_BYTE_SIZE = TypeAdapter(ByteSize)


def _file_size(value: Any) -> int:
    if not isinstance(value, bool):
        try:
            size = int(_BYTE_SIZE.validate_python(value))
        except ValueError:
            size = 0
        if size > 0:
            return size
    raise ValueError(f"'{value}' is not a size: write a number of bytes, or a number and a "
                     "unit such as 500kB or 4MiB")


#: A size in bytes: a number, or a number and a unit such as 500kB or 4MiB.
FileSize = Annotated[int, PlainValidator(_file_size), WithJsonSchema({
    "anyOf": [{"type": "integer", "minimum": 1},
              {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*([KMGTkmgt]i?[Bb]|[Bb])?\s*$"}],
    "description": "bytes, or a number and a unit: 500kB, 4MiB"})]


class CheckSettings(_Model):
    ignore: list[Slug] = []
    """Rule IDs switched off."""
    max_file_size: FileSize = 4 * 2**20
    """A file under plans/ larger than this is not read (a yaml-syntax error): 4MiB."""


class SmtpSettings(_Model):
    host: str
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    ssl: bool = False
    """Connect with implicit TLS (port 465) instead of STARTTLS."""
    user: str | None = None
    """Login; the password comes from the COORDCTL_SMTP_PASSWORD variable."""


class Settings(_Model):
    """coordctl.yaml: the workspace settings."""

    name: Text
    timezone: str
    """IANA name; every local time in the workspace is in it."""
    locale: Literal["zh-CN", "en"] = "zh-CN"
    calendar: CalendarSettings = CalendarSettings()
    policy: PolicySettings = PolicySettings()
    check: CheckSettings = CheckSettings()
    smtp: SmtpSettings | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        _schedule.zone(value)
        return value


# --- documents ----------------------------------------------------------------------

class Contact(_Model):
    role: Text
    name: Text | None = None
    """A person (personal data: internal outputs only)."""
    phone: PlainText | None = None
    email: Email | None = None
    always: bool = False
    """Reachable 24/7."""
    verified: Date | None = None
    """When this contact was last confirmed."""


class Department(_Model):
    kind: Literal["department"]
    id: Slug
    name: Text
    short: Text | None = None
    parent: Ref | None = None
    tags: list[PlainText] = []
    email: Email | None = None
    """Organisational address, used for calendar invitations."""
    description: Markdown | None = None
    contacts: list[Contact] = []
    exempt: PlainText = ""
    """A non-empty reason: this department is not expected to hold duties."""


class Level(_Model):
    id: Name
    name: Text
    criteria: Markdown | None = None


class Phase(_Model):
    id: Slug
    name: Text
    within: DurationT | None = None
    """Time target from activation."""
    description: Markdown | None = None


class Section(_Model):
    title: Text
    body: Markdown


class Duty(_Model):
    id: Slug
    task: Text
    phase: Ref
    levels: list[Name] | None = None
    """Response levels this duty applies at; default all."""
    accountable: Ref
    """Exactly one lead department (牵头)."""
    responsible: list[Ref] | None = None
    """Departments that carry it out (配合/执行); default [accountable]."""
    consulted: list[Ref] = []
    informed: list[Ref] = []
    description: Markdown | None = None

    @property
    def doers(self) -> list[str]:
        """Responsible departments (the accountable one when none are listed)."""
        return self.responsible if self.responsible is not None else [self.accountable]

    @property
    def holders(self) -> list[str]:
        """Departments that hold this duty: accountable and responsible, in that order."""
        out = [self.accountable]
        out.extend(d for d in self.doers if d != self.accountable)
        return out

    def applies_at(self, level: str) -> bool:
        return self.levels is None or level in self.levels


class Plan(_Model):
    kind: Literal["plan"]
    id: Slug
    title: Text
    owner: Ref
    """Department that maintains the plan."""
    hazard: PlainText | None = None
    status: Literal["draft", "approved", "retired"] = "draft"
    reviewed: Date | None = None
    """Last review date."""
    basis: list[Text] = []
    """Legal basis."""
    description: Markdown | None = None
    departments: list[Ref] | None = None
    """Departments expected in this plan: each must hold a duty here."""
    levels: list[Level] = []
    """Response levels, most severe first."""
    phases: list[Phase] = []
    """Response phases, in order."""
    sections: list[Section] = []
    duties: list[Duty] = []

    def phase(self, phase_id: str) -> Phase | None:
        return next((p for p in self.phases if p.id == phase_id), None)

    def level(self, level_id: str) -> Level | None:
        return next((lv for lv in self.levels if lv.id == level_id), None)


#: RFC 5545 ranges of the numbers in a repeat rule (for BYDAY, the number before the
#: weekday); dateutil checks few of them and calendar writers refuse numbers past 32 bits.
_RULE_RANGES = {"COUNT": (1, 2**31 - 1), "INTERVAL": (1, 2**31 - 1), "BYSECOND": (0, 60),
                "BYMINUTE": (0, 59), "BYHOUR": (0, 23), "BYDAY": (-53, 53),
                "BYMONTHDAY": (-31, 31), "BYYEARDAY": (-366, 366), "BYWEEKNO": (-53, 53),
                "BYMONTH": (1, 12), "BYSETPOS": (-366, 366)}


def _check_rule_numbers(text: str) -> None:
    """``ValueError`` for a number out of its RFC 5545 range, or an UNTIL out of the
    years dates may have (numbers that are not numbers are left to ``build_rule``)."""
    parts = _schedule.rule_parts(text)
    for name, (low, high) in _RULE_RANGES.items():
        for item in parts[name].split(",") if name in parts else ():
            number = item[:-2] if name == "BYDAY" else item
            if not number.lstrip("+-").isdigit():
                continue
            value = int(number) if len(number) < 12 else high + 1
            if not low <= value <= high or (value == 0 and low < 0):
                raise ValueError(f"{name}={item} is out of range: write a number from "
                                 f"{low} to {high}{' other than 0' if low < 0 else ''}")
    year = parts.get("UNTIL", "")[:4]
    if year.isdigit() and not _values.MIN_YEAR <= int(year) <= _values.MAX_YEAR:
        raise ValueError(f"UNTIL={parts['UNTIL']} is out of range: write a year from "
                         f"{_values.MIN_YEAR} to {_values.MAX_YEAR}")


class Schedule(_Model):
    start: LocalDateTime
    duration: DurationT = _values.parse_duration("1h")
    """Default 1h."""
    repeat: str | None = None
    """RFC 5545 RRULE, e.g. FREQ=MONTHLY;BYDAY=1TU."""
    except_: list[Date] = Field(default=[], alias="except")
    """Dates skipped."""

    model_config = ConfigDict(populate_by_name=True)

    @field_validator("repeat")
    @classmethod
    def _rule(cls, value: str | None) -> str | None:
        if value is not None:
            _check_rule_numbers(value)
            _schedule.build_rule(value, dt.datetime(2000, 1, 1), _schedule.zone("UTC"))
        return value

    @field_validator("duration")
    @classmethod
    def _positive(cls, value: Duration) -> Duration:
        if value.as_timedelta() <= dt.timedelta(0):
            raise ValueError("the duration must be longer than zero")
        return value


class AgendaItem(_Model):
    title: Text
    presenter: Ref | None = None
    minutes: int | None = Field(default=None, ge=1, le=24 * 60)


class Meeting(_Model):
    kind: Literal["meeting"]
    id: Slug
    title: Text
    type: Literal["joint", "coordination", "other"] = "other"
    convenor: Ref
    members: list[Ref] = []
    schedule: Schedule
    location: Text | None = None
    description: Markdown | None = None
    agenda: list[AgendaItem] = []


class Drill(_Model):
    kind: Literal["drill"]
    id: Slug
    title: Text
    plan: Ref
    type: Literal["tabletop", "drill", "functional", "full-scale"]
    participants: list[Ref] | None = None
    """Default: the departments holding a duty in the plan."""
    objectives: list[Text] = []
    schedule: Schedule
    location: Text | None = None
    description: Markdown | None = None
    status: Literal["planned", "done", "cancelled"] = "planned"


SOURCE_PATTERN = r"^(department|plan|meeting|drill|action)/" + SLUG[1:]


class Action(_Model):
    kind: Literal["action"]
    id: Slug
    title: Text
    owner: Ref
    source: Annotated[str, Field(pattern=SOURCE_PATTERN)] | None = None
    """The document it came from, kind/id: drill/flood-2027."""
    due: Date
    status: Literal["open", "done", "dropped"] = "open"
    closed: Date | None = None
    """When it was done or dropped."""
    description: Markdown | None = None

    @model_validator(mode="after")
    def _closed_only_when_closed(self) -> Action:
        if self.closed is not None and self.status == "open":
            raise ValueError("an open action has no 'closed' date: set status to done or "
                             "dropped, or remove 'closed'")
        return self

    @property
    def source_ref(self) -> tuple[str, str] | None:
        if not self.source:
            return None
        kind, _, ident = self.source.partition("/")
        return kind, ident


MODELS: dict[str, type[_Model]] = {
    "department": Department, "plan": Plan, "meeting": Meeting, "drill": Drill,
    "action": Action,
}

Document = Department | Plan | Meeting | Drill | Action


class _SchemaGenerator(GenerateJsonSchema):
    """Writes duration defaults as the documents do (``P3Y``), not as their fields."""

    def encode_default(self, dft: Any) -> Any:
        return str(dft) if isinstance(dft, Duration) else super().encode_default(dft)


def document_schema() -> dict[str, Any]:
    """JSON Schema (2020-12) of one workspace document; the ``kind`` picks the shape."""
    adapter = TypeAdapter(Annotated[Document, Field(discriminator="kind")])
    generated = adapter.json_schema(ref_template="#/$defs/{model}", mode="validation",
                                    schema_generator=_SchemaGenerator)
    defs = generated.get("$defs", {})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://coordctl.invalid/schema/document.json",
        "title": "coordctl document",
        "description": "One document of a coordctl workspace (DESIGN §2): its kind picks "
                       "the shape.",
        "type": "object",
        "required": ["kind", "id"],
        "properties": {"kind": {"enum": list(KINDS)}},
        "allOf": [
            {"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
             "then": {"$ref": f"#/$defs/{MODELS[kind].__name__}"}}
            for kind in KINDS
        ],
        "$defs": defs,
    }


def settings_schema() -> dict[str, Any]:
    """JSON Schema (2020-12) of ``coordctl.yaml``."""
    generated = Settings.model_json_schema(ref_template="#/$defs/{model}", mode="validation",
                                           schema_generator=_SchemaGenerator)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://coordctl.invalid/schema/settings.json",
        **generated,
    }
