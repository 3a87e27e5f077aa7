"""What every rendered output shares: the Jinja2 environment, locale labels and the words
for durations and repeat rules.

Templates live on a search path, the workspace's ``templates/`` first and the built-ins
last, so a workspace overrides a built-in template by giving a file the same name.
Text from YAML documents reaches templates only as data (context variables): it is never
compiled as a template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coordctl.errors import UnknownDocument
from coordctl.values import LOCALES, Duration, localize

if TYPE_CHECKING:
    import jinja2

#: The folder of a workspace that overrides built-in templates.
TEMPLATES_DIR = "templates"
_LABELS_DIR = "labels"


def builtin_templates_dir() -> Path:
    """The built-in templates: ``coordctl/templates`` in a wheel, else the repository's
    top-level ``templates/`` (an editable install or a source checkout)."""
    packaged = Path(__file__).resolve().parent / TEMPLATES_DIR
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / TEMPLATES_DIR


def environment(workspace_root: Path | None) -> jinja2.Environment:
    """A Jinja2 environment over the workspace's ``templates/`` and the built-ins.

    Undefined names are errors (``StrictUndefined``) and ``.html`` templates are
    autoescaped. The filters ``localize`` and ``duration`` take the locale as argument;
    ``link_ref``, ``link_refs``, ``link_value`` and ``marked_html`` make mentions of
    documents and marked values (``_doc_macros.html``).
    """
    import jinja2

    search = [str(builtin_templates_dir())]
    if workspace_root is not None:
        search.insert(0, str(Path(workspace_root) / TEMPLATES_DIR))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(search, encoding="utf-8"),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "htm"),
                                            default_for_string=False, default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["localize"] = localize
    env.filters["duration"] = duration_in_words
    env.filters["markdown"] = markdown_html
    # what _doc_macros.html exports as ref, refs, value and marked, so any template may
    # import it
    from coordctl.documents import link_ref, link_refs, link_value, marked_html

    env.globals["link_ref"] = link_ref
    env.globals["link_refs"] = link_refs
    env.globals["link_value"] = link_value
    env.globals["marked_html"] = marked_html
    return env


def document(ws: Any, kind: str, ident: str) -> Any:
    """The valid ``kind`` document ``ident`` named on the command line.

    ``UnknownDocument`` (exit 2) when there is none, with a "did you mean", or when it
    failed validation: outputs are made only from documents that passed.
    """
    from coordctl.validation import did_you_mean

    models = {"department": ws.departments, "plan": ws.plans, "meeting": ws.meetings,
              "drill": ws.drills, "action": ws.actions}[kind]
    if ident in models:
        return models[ident]
    if ws.exists(kind, ident):
        raise UnknownDocument(f"{kind} '{ident}' has errors: run 'coordctl check' and fix "
                              "them first")
    raise UnknownDocument(f"there is no {kind} '{ident}'{did_you_mean(ident, models)}")


_MARKDOWN_SPECIAL = re.compile(r"([\\|<>*_`\[\]&])")


def markdown_cell(text: str) -> str:
    """``text`` as literal Markdown on one line: safe inside a table cell, no markup or
    raw HTML."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


# --- labels --------------------------------------------------------------------------

@cache
def _label_file(locale: str) -> dict[str, Any]:
    import yaml

    path = builtin_templates_dir() / _LABELS_DIR / f"{locale}.yaml"
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    except FileNotFoundError:
        return {}
    return data if isinstance(data, dict) else {}


def _merged(preferred: dict[str, Any], fallback: dict[str, Any]) -> dict[str, Any]:
    out = dict(fallback)
    for key, value in preferred.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(value, out[key])
        else:
            out[key] = value
    return out


@cache
def labels(locale: str) -> dict[str, Any]:
    """The UI labels of ``locale`` (``templates/labels/LOCALE.yaml``); a label missing
    there is taken from the other locale. The dict is shared: read it, never change it."""
    merged: dict[str, Any] = {}
    for other in reversed([locale, *(x for x in LOCALES if x != locale)]):
        merged = _merged(_label_file(other), merged)
    return merged


# --- words ---------------------------------------------------------------------------

def duration_in_words(duration: Duration | None, locale: str) -> str:
    """``5m`` as "5 min" / "5分钟", ``1h30m`` as "1 h 30 min" / "1小时30分钟"."""
    if duration is None:
        return ""
    units = labels(locale)["units"]
    hours, rest = divmod(duration.seconds, 3600)
    minutes = rest // 60
    parts = [(duration.years, "years"), (duration.months, "months"),
             (duration.days, "days"), (hours, "hours"), (minutes, "minutes")]
    words = [units[name].format(n=count) for count, name in parts if count]
    return units["separator"].join(words) if words else str(duration)


def repeat_in_words(rule: str | None, locale: str) -> str:
    """A repeat rule in words ("monthly on the first Tuesday" / "每月第一个星期二"), or
    the rule itself when it says more than plain words cover."""
    from coordctl.schedule import rule_parts

    words = labels(locale)["repeat_words"]
    if not rule:
        return words["once"]
    try:
        parts = rule_parts(rule)
    except ValueError:
        return rule
    parts.pop("WKST", None)
    freq = parts.pop("FREQ")
    interval = parts.pop("INTERVAL", "1")
    if freq not in words["every"] or not interval.isdigit() or set(parts) - {"BYDAY",
                                                                             "BYMONTHDAY"}:
        return rule
    every = words["every"][freq] if interval == "1" else \
        words["every_n"][freq].format(n=int(interval))
    days = parts.get("BYDAY")
    monthdays = parts.get("BYMONTHDAY")
    if days and monthdays:
        return rule
    if monthdays:
        if freq != "MONTHLY" or not all(d.isdigit() for d in monthdays.split(",")):
            return rule
        what = words["separator"].join(words["monthday"].format(n=int(d))
                                       for d in monthdays.split(","))
    elif days:
        phrases = []
        for day in days.split(","):
            ordinal, weekday = day[:-2], day[-2:]
            if weekday not in words["weekdays"] or (ordinal and freq != "MONTHLY"):
                return rule
            if not ordinal:
                phrases.append(words["weekdays"][weekday])
            elif ordinal.lstrip("+") in words["ordinals"]:
                phrases.append(words["nth_weekday"].format(
                    ordinal=words["ordinals"][ordinal.lstrip("+")],
                    weekday=words["weekdays"][weekday]))
            else:
                return rule
        what = words["separator"].join(phrases)
    else:
        return every
    return words["on"].format(every=every, what=what)


# --- pages ---------------------------------------------------------------------------

#: Site folders of each kind: ``plans/<id>.html`` and so on.
KIND_FOLDERS = {"department": "departments", "plan": "plans", "meeting": "meetings",
                "drill": "drills", "action": "actions"}


class Links:
    """Relative URLs from one page of the built site to the others.

    ``depth`` is how many folders below the site root the page is. Standalone outputs
    (``render -o page.html``) have no ``Links``: templates then show names without links.
    """

    def __init__(self, depth: int = 0) -> None:
        self.prefix = "../" * depth

    def __bool__(self) -> bool:
        return True

    def home(self) -> str:
        return f"{self.prefix}index.html"

    def url(self, kind: str, ident: str) -> str:
        return f"{self.prefix}{KIND_FOLDERS[kind]}/{ident}.html"

    def page(self, path: str) -> str:
        """A page or file of the site by its path from the root: ``matrix.html``."""
        return f"{self.prefix}{path}"

    def sections(self) -> list[tuple[str, str]]:
        """(label key, URL) of the site's main sections, for the navigation bar."""
        return [("plans", self.page("plans/index.html")),
                ("departments", self.page("departments/index.html")),
                ("meetings", self.page("meetings/index.html")),
                ("drills", self.page("drills/index.html")),
                ("actions", self.page("actions/index.html")),
                ("matrix", self.page("matrix.html")),
                ("check_report", self.page("check.html")),
                ("calendars", self.page("calendar/index.html"))]


@dataclass
class PageRevision:
    """The commit a page was made from, as shown in its footer."""

    sha: str
    date: str

    @property
    def short(self) -> str:
        return self.sha[:10]


@dataclass
class Page:
    """What every template gets besides its document: language, labels, links."""

    lang: str
    labels: dict[str, Any]
    title: str
    workspace_name: str
    audience: str = "public"
    links: Links | None = None
    revision: PageRevision | None = None


def page_for(ws: Any, locale: str, title: str, audience: str = "public",
             links: Links | None = None) -> Page:
    """The ``Page`` of an output of ``ws``; its revision is the commit the workspace was
    read from (HEAD for the working tree) when it is in git."""
    return Page(lang=locale, labels=labels(locale), title=title,
                workspace_name=localize(ws.settings.name, locale), audience=audience,
                links=links, revision=workspace_revision(ws))


def workspace_revision(ws: Any) -> PageRevision | None:
    """The commit the workspace was read from (HEAD for the working tree), if in git."""
    if "_page_revision" in ws.__dict__:
        return ws.__dict__["_page_revision"]
    ws.__dict__["_page_revision"] = found = _find_revision(ws)
    return found


def _find_revision(ws: Any) -> PageRevision | None:
    repo = ws.repository
    if repo is None:
        return None
    from coordctl.errors import CoordctlError

    try:
        sha = repo.resolve(ws.revision)
        when = repo.commit_date(sha)
    except CoordctlError:
        return None
    return PageRevision(sha, when.date().isoformat())


# --- Markdown --------------------------------------------------------------------------

@cache
def _markdown_parser() -> Any:
    from markdown_it import MarkdownIt

    # CommonMark with raw HTML off; markdown-it's validateLink drops javascript:,
    # vbscript:, file: and data: (except images) links, which then show as text.
    # Images are off too: a page must not load anything from elsewhere.
    return MarkdownIt("commonmark", {"html": False, "linkify": False,
                                     "typographer": False}).disable("image")


def markdown_html(text: Any, locale: str) -> Any:
    """Localised Markdown text as safe HTML (a ``Markup``): raw HTML is escaped, unsafe
    link schemes dropped."""
    from markupsafe import Markup

    source = localize(text, locale) if text is not None else ""
    return Markup(_markdown_parser().render(source))
