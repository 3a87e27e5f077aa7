"""The static site: ``coordctl build`` and coordctl.site.

Sites are built from real workspaces (the BASE fixture, the repository's sample, real
git repositories) into temporary folders, then read back: every link is followed, every
page checked for language, heading order and table headers, personal data looked for.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner
from conftest import BASE, REPO, SETTINGS, TODAY, load_workspace, write_workspace
from gitrepo import OTHER_AUTHOR, GitRepo, one_line_error, repo_factory
from golden import assert_golden

from coordctl.cli import cli
from coordctl.errors import OutputError
from coordctl.site import MARKER, build_site, level_file_name

#: Schemes a page may link to that make no request: mail, phone, calendar subscription.
NO_REQUEST_SCHEMES = ("mailto:", "tel:", "webcal:")


# --- reading pages back ---------------------------------------------------------------------

class PageParser(HTMLParser):
    """What the tests look at in a page: lang, links, ids, headings, table headers, text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.headings: list[int] = []
        self.th_scopes: list[str | None] = []
        self.tables = 0
        self.tables_with_th = 0
        self._in_table: list[bool] = []
        self._text: list[str] = []
        self._skip = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("style", "title"):
            self._skip = True
        if tag == "html":
            self.lang = values.get("lang")
        for key in ("href", "src"):
            if values.get(key) is not None:
                self.links.append(values[key])
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"])
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "table":
            self.tables += 1
            self._in_table.append(False)
        if tag == "th":
            self.th_scopes.append(values.get("scope"))
            if self._in_table and not self._in_table[-1]:
                self._in_table[-1] = True
                self.tables_with_th += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title"):
            self._skip = False
        if tag == "table" and self._in_table:
            self._in_table.pop()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._text.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self._text).split())


def parse_html(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


def parse(path: Path) -> PageParser:
    return parse_html(path.read_text(encoding="utf-8"))


def text(path: Path) -> str:
    return parse(path).text


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(out: Path) -> list[str]:
    """Temporary folders of builds of ``out`` left next to it (hidden ``.NAME.*``)."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def assert_links_resolve(site: Path, allowed_prefixes: tuple[str, ...] = ()) -> int:
    """Follow every href and src of every page of ``site``: each names a file of the site
    (and an element of it when there is an anchor). Absolute URLs are allowed only when
    they start with one of ``allowed_prefixes``. Returns how many links were followed."""
    __tracebackhide__ = True
    site = site.resolve()
    pages = {p.resolve(): parse(p) for p in site.rglob("*.html")}
    followed = 0
    for page, parsed in pages.items():
        for link in parsed.links:
            where = f"{page.relative_to(site)} links {link!r}"
            if link.startswith(allowed_prefixes):
                continue
            assert not link.startswith(("http:", "https:", "//")), f"{where}: absolute URL"
            if link.startswith(NO_REQUEST_SCHEMES):
                continue
            parts = urlsplit(link)
            assert not parts.scheme and not parts.netloc, f"{where}: not a relative link"
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            assert target == site or site in target.parents, f"{where}: outside the site"
            assert target.is_file(), f"{where}: no such file"
            if parts.fragment:
                assert target in pages, f"{where}: an anchor into a file that is no page"
                assert parts.fragment in pages[target].ids, f"{where}: no such anchor"
            followed += 1
    return followed


def assert_accessible(site: Path, locale: str) -> None:
    """Every page: ``lang``, one h1 first and no skipped heading level going down,
    ``scope`` on every table header and a header cell in every table."""
    __tracebackhide__ = True
    for path in sorted(site.rglob("*.html")):
        page = parse(path)
        name = path.relative_to(site).as_posix()
        assert page.lang == locale, f"{name}: lang={page.lang!r}"
        assert page.headings[:1] == [1] and page.headings.count(1) == 1, \
            f"{name}: headings {page.headings}"
        for before, after in zip(page.headings, page.headings[1:], strict=False):
            assert after <= before + 1, f"{name}: h{before} then h{after}"
        assert all(scope in ("col", "row", "colgroup", "rowgroup")
                   for scope in page.th_scopes), f"{name}: a th without scope"
        assert page.tables == page.tables_with_th, f"{name}: a table without header cells"


def assert_no_foreign_urls(site: Path, own: tuple[str, ...] = ()) -> None:
    """No page names an http(s) URL except those under the user's own ``site_url``."""
    __tracebackhide__ = True
    for path in sorted(site.rglob("*.html")):
        for url in re.findall(r"(?:https?:)?//[A-Za-z0-9.-]+[^\s\"'<>)]*",
                              path.read_text(encoding="utf-8")):
            assert url.startswith(own), f"{path.relative_to(site)} names {url}"


# --- workspaces ------------------------------------------------------------------------------

def build(root: Path, out: Path, locale: str = "zh-CN", audience: str = "public",
          today=TODAY, workers: int = 1) -> Path:
    return build_site(load_workspace(root, today), out, locale, audience, workers=workers)


def copy_sample(folder: Path) -> Path:
    """The repository's sample workspace (settings and plans/), outside git."""
    folder.mkdir(parents=True)
    shutil.copy(REPO / "coordctl.yaml", folder / "coordctl.yaml")
    shutil.copytree(REPO / "plans", folder / "plans")
    return folder


@pytest.fixture(scope="module")
def sample_sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample workspace built once per audience (public in zh-CN, internal in en)."""
    top = tmp_path_factory.mktemp("sample")
    root = copy_sample(top / "ws")
    return {"public": build(root, top / "public"),
            "internal": build(root, top / "internal", locale="en", audience="internal")}


@pytest.fixture
def make_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., GitRepo]:
    return repo_factory(tmp_path, monkeypatch)


def sample_site_url() -> str:
    match = re.search(r"^\s*site_url:\s*(\S+)", (REPO / "coordctl.yaml").read_text("utf-8"),
                      re.MULTILINE)
    assert match, "the sample sets calendar.site_url"
    return match.group(1)


# --- contents ---------------------------------------------------------------------------------

def test_base_site_has_a_page_for_everything(make_workspace: Callable[..., Path],
                                             tmp_path: Path) -> None:
    out = build(make_workspace(), tmp_path / "site")
    files = set(tree(out))
    expected = {
        MARKER, "index.html", "matrix.html", "check.html", "calendar/index.html",
        "plans/index.html", "plans/major-incident.html",
        "departments/index.html", "departments/police.html", "departments/health.html",
        "departments/city-gov.html",
        "meetings/index.html", "meetings/analysis.html", "meetings/analysis-agenda.html",
        "drills/index.html", "drills/tabletop-2027.html",
        "actions/index.html", "actions/a-001.html",
        "calendar/all.ics", "calendar/police.ics", "calendar/health.ics",
        "calendar/city-gov.ics",
    }
    assert expected <= files, expected - files
    assert not [f for f in files if "-activate-" in f], "checklists are internal only"
    assert "重大案件处置预案" in text(out / "plans/major-incident.html")


def test_dashboard(make_workspace: Callable[..., Path], tmp_path: Path) -> None:
    root = make_workspace({"plans/extra.yaml": """\
        kind: department
        id: idle
        name: 闲置单位
        """})
    out = build(root, tmp_path / "site", locale="en", today=TODAY.replace(year=2027, month=7,
                                                                          day=1))
    page = text(out / "index.html")
    assert "Status on 1 July 2027" in page
    assert "2 of 4 departments hold duties in at least one plan." in page
    assert "Departments that hold no duty" in page
    assert "exempt: 统筹协调" in page  # city-gov
    assert "no duty in any plan" in page  # idle
    assert "2 of 2 response phases have duties assigned." in page
    # the monthly meeting on the first Tuesday, over 90 days from 1 July 2027
    assert "Tuesday 6 July 2027, 09:30–11:30" in page
    assert "Tuesday 7 September 2027, 09:30–11:30" in page
    assert "Tuesday 5 October 2027" not in page  # skipped (except:)
    assert "October 2027" not in page  # more than 90 days ahead
    assert "桌面推演" not in page.split("Overdue actions")[1]  # the drill was in March
    # the open action due 2027-06-30 is overdue by one day
    overdue = page.split("Overdue actions")[-1]
    assert "更新通讯设备" in overdue and "1 d overdue" in overdue
    assert "No change history: the workspace is not kept in git." in page
    links = parse(out / "index.html").links
    assert "check.html" in links and "meetings/analysis-agenda.html" in links
    assert "departments/idle.html" in links and "actions/a-001.html" in links


def test_dashboard_counts_findings_and_the_report_lists_them(
        make_workspace: Callable[..., Path], tmp_path: Path) -> None:
    root = make_workspace({"plans/extra.yaml": "kind: department\nid: idle\nname: 闲置单位\n"})
    out = build(root, tmp_path / "site", locale="en")
    cards = text(out / "index.html").split("Departments and duties")[0]
    assert "1 errors 0 warnings" in cards
    report = text(out / "check.html")
    assert "Errors: 1; warnings: 0." in report
    assert "plans/extra.yaml:2:5 Error department-without-duty department 'idle'" in report
    assert "not a git repository" in report
    assert "'idle'" in report


def test_upcoming_lists_drills_with_their_status(make_workspace: Callable[..., Path],
                                                 tmp_path: Path) -> None:
    root = make_workspace({"plans/drill.yaml": BASE["plans/drill.yaml"].replace(
        "status: planned", "status: cancelled")})
    out = build(root, tmp_path / "site", locale="en", today=TODAY.replace(year=2027, month=3,
                                                                          day=1))
    page = (out / "index.html").read_text(encoding="utf-8")
    row = next(r for r in page.split("<tr") if "drills/tabletop-2027.html" in r)
    assert 'class="cancelled"' in row and "Cancelled" in row
    assert "Wednesday 10 March 2027, 09:00–12:00" in row


def test_recent_changes_from_git(make_repo: Callable[..., GitRepo], tmp_path: Path) -> None:
    repo = make_repo()
    repo.commit_base("Add the base workspace")
    repo.commit("Move the cordon to the health commission", {
        "plans/plan.yaml": textwrap.dedent(BASE["plans/plan.yaml"]).replace(
            "phase: initial\n    accountable: police", "phase: initial\n    accountable: health")},
        author=OTHER_AUTHOR)
    out = build(repo.workspace, tmp_path / "site", locale="en")
    page = text(out / "index.html")
    changes = page.split("Recent changes")[1]
    assert changes.index("Move the cordon") < changes.index("Add the base workspace")
    assert "6 January 2026 Bo Builder Move the cordon to the health commission" in changes
    assert "5 January 2026 Ada Author Add the base workspace" in changes
    assert "plans/major-incident.html" in parse(out / "index.html").links
    head = repo.head()
    assert head[:10] in text(out / "plans/index.html")  # every page names its revision


def test_recent_changes_read_from_the_latest_commits_equal_those_of_the_whole_history(
        make_repo: Callable[..., GitRepo]) -> None:
    from coordctl.site import recent_changes
    from coordctl.workspace import load

    repo = make_repo()
    repo.commit_base()
    action = textwrap.dedent(BASE["plans/action.yaml"])
    for day in range(1, 13):  # twelve changes, then commits that change no document
        repo.commit(f"Due on the {day}th", {"plans/action.yaml": action.replace(
            "2027-06-30", f"2027-06-{day:02d}")})
    for count in range(5):
        repo.commit(f"Comment {count}", {"plans/action.yaml": action.replace(
            "2027-06-30", "2027-06-12") + f"# note {count}\n"})

    def shown(ws, limit):
        return [(c.sha, [f"{k}/{i}" for k, i in c.documents])
                for c in recent_changes(ws, limit)]

    for limit in (1, 2, 10):  # enough changes among the latest 4 x limit commits, or not
        whole = load(repo.workspace, today=TODAY)
        expected = [(r.sha, [f"{k}/{i}" for k, i in sorted(
            key for key, h in whole.histories.items() if r in h.revisions)])
            for r in sorted({r for h in whole.histories.values() for r in h.revisions},
                            key=lambda r: (-r.date.timestamp(), r.sha))[:limit]]
        ws = load(repo.workspace, today=TODAY)
        assert shown(ws, limit) == expected
        # The whole history is read only when the latest commits hold too few changes
        # (the latest four are comment-only: enough for limit 2, not for limit 1).
        assert ("histories" in ws.__dict__) == (limit == 1)
    assert len(expected) == 10 and expected[0][1] == ["action/a-001"]


def test_lists_of_every_kind(make_workspace: Callable[..., Path], tmp_path: Path) -> None:
    out = build(make_workspace(), tmp_path / "site", locale="en")
    plans = parse(out / "plans/index.html")
    assert "../plans/major-incident.html" in plans.links
    assert "Major incident plan" in plans.text and "Approved" in plans.text
    departments = parse(out / "departments/index.html")
    assert {"../departments/police.html", "../departments/health.html",
            "../departments/city-gov.html"} <= set(departments.links)
    assert "../calendar/police.ics" in departments.links
    meetings = parse(out / "meetings/index.html")
    assert {"../meetings/analysis.html", "../meetings/analysis-agenda.html"} <= \
        set(meetings.links)
    assert "monthly on the first Tuesday" in meetings.text
    assert "Tuesday 5 January 2027, 09:30–11:30" in meetings.text
    drills = parse(out / "drills/index.html")
    assert {"../drills/tabletop-2027.html", "../plans/major-incident.html"} <= \
        set(drills.links)
    actions = parse(out / "actions/index.html")
    assert {"../actions/a-001.html", "../drills/tabletop-2027.html"} <= set(actions.links)


def test_matrix_page_in_the_site_layout(make_workspace: Callable[..., Path],
                                        tmp_path: Path) -> None:
    out = build(make_workspace(), tmp_path / "site", locale="en")
    page = parse(out / "matrix.html")
    assert "Responsibility matrix: All plans" in page.text
    assert "plans/major-incident.html" in page.links and "index.html" in page.links
    html = (out / "matrix.html").read_text(encoding="utf-8")
    assert '<td class="role role-a">A/R</td>' in html  # health on triage
    assert "A = Accountable" in page.text


def test_internal_site_has_activation_checklists(make_workspace: Callable[..., Path],
                                                 tmp_path: Path) -> None:
    out = build(make_workspace(), tmp_path / "site", locale="en", audience="internal")
    for level in ("I", "II"):
        assert (out / f"plans/major-incident-activate-{level}.html").is_file()
    assert {"../plans/major-incident-activate-I.html",
            "../plans/major-incident-activate-II.html"} <= \
        set(parse(out / "plans/index.html").links)


def test_level_file_names() -> None:
    assert level_file_name("I", 1) == "I"
    assert level_file_name("level-2", 2) == "level-2"
    assert level_file_name("一级", 1) == "level1"
    assert level_file_name("../x", 3) == "level3"


# --- links, language, structure ------------------------------------------------------------------

def test_every_link_of_the_base_site_resolves(make_workspace: Callable[..., Path],
                                              tmp_path: Path) -> None:
    root = make_workspace()
    for audience in ("public", "internal"):
        out = build(root, tmp_path / audience, audience=audience)
        assert assert_links_resolve(out) > 50
        assert_no_foreign_urls(out)


@pytest.mark.parametrize("audience", ["public", "internal"])
def test_every_link_of_the_sample_site_resolves(sample_sites: dict[str, Path],
                                                audience: str) -> None:
    site_url = sample_site_url()
    webcal = "webcal://" + site_url.split("://", 1)[1]
    assert assert_links_resolve(sample_sites[audience], (site_url, webcal)) > 500
    assert_no_foreign_urls(sample_sites[audience], (site_url, "//" + site_url.split("://")[1]))


def test_a_broken_link_is_found(make_workspace: Callable[..., Path], tmp_path: Path) -> None:
    out = build(make_workspace(), tmp_path / "site")
    (out / "plans/major-incident.html").unlink()
    with pytest.raises(AssertionError, match="no such file"):
        assert_links_resolve(out)


@pytest.mark.parametrize("audience,locale", [("public", "zh-CN"), ("internal", "en")])
def test_sample_pages_are_accessible(sample_sites: dict[str, Path], audience: str,
                                     locale: str) -> None:
    assert_accessible(sample_sites[audience], locale)


def test_base_pages_are_accessible_in_english(make_workspace: Callable[..., Path],
                                              tmp_path: Path) -> None:
    assert_accessible(build(make_workspace(), tmp_path / "site", locale="en",
                            audience="internal"), "en")


def test_sample_site_pages(sample_sites: dict[str, Path]) -> None:
    public = sample_sites["public"]
    assert len(list((public / "plans").glob("*.html"))) > 5
    assert not list(public.rglob("*-activate-*.html"))
    assert list(sample_sites["internal"].rglob("*-activate-*.html"))
    page = text(public / "index.html")
    assert "工作总览" in page and "最近修改" in page


# --- audience -----------------------------------------------------------------------------------

SENTINEL_NAME = "哨兵张三丰"
SENTINEL_PHONE = "0771-8765432"


def test_public_site_carries_no_personal_data(make_workspace: Callable[..., Path],
                                              tmp_path: Path) -> None:
    departments = BASE["plans/departments.yaml"].replace(
        '          - {role: 值班室, phone: "0771-5550002", always: true}',
        '          - {role: 值班室, phone: "0771-5550002", always: true}\n'
        f'          - {{role: 副主任, name: {SENTINEL_NAME}, phone: "{SENTINEL_PHONE}"}}')
    assert SENTINEL_NAME in departments
    root = make_workspace({"plans/departments.yaml": departments})
    public = build(root, tmp_path / "public")
    internal = build(root, tmp_path / "internal", audience="internal")
    for secret in (SENTINEL_NAME, SENTINEL_PHONE, "王某", "0771-5550001"):
        data = secret.encode("utf-8")
        assert not [f for f, content in tree(public).items() if data in content], secret
        assert [f for f, content in tree(internal).items() if data in content], secret
        assert not [f for f, content in tree(internal).items()
                    if f.endswith(".ics") and data in content], secret


# --- calendars ----------------------------------------------------------------------------------

def test_calendar_feeds_and_subscribe_page(make_workspace: Callable[..., Path],
                                           tmp_path: Path) -> None:
    out = build(make_workspace(), tmp_path / "site", locale="en")
    for name in ("all", "police", "health", "city-gov"):
        assert (out / f"calendar/{name}.ics").read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")
    assert b"UID:meeting-analysis@coord.test.example" in (out / "calendar/police.ics").read_bytes()
    page = parse(out / "calendar/index.html")
    assert {"all.ics", "police.ics", "health.ics", "city-gov.ics"} <= set(page.links)
    assert not [link for link in page.links if link.startswith("webcal:")]
    for client in ("Google Calendar", "Outlook", "Apple Calendar", "Thunderbird"):
        assert client in page.text
    assert "calendar.site_url is not set" in page.text


def test_webcal_links_where_the_site_url_is_set(make_workspace: Callable[..., Path],
                                                tmp_path: Path) -> None:
    settings = SETTINGS.replace("  domain: coord.test.example\n",
                                "  domain: coord.test.example\n"
                                "  site_url: https://coord.test.example/site/\n")
    out = build(make_workspace(settings=settings), tmp_path / "site", locale="en")
    page = parse(out / "calendar/index.html")
    assert "webcal://coord.test.example/site/calendar/all.ics" in page.links
    assert "webcal://coord.test.example/site/calendar/police.ics" in page.links
    html = (out / "calendar/index.html").read_text(encoding="utf-8").replace("<wbr>", "")
    assert "<code>https://coord.test.example/site/calendar/all.ics</code>" in html


def test_no_feeds_without_a_calendar_domain(make_workspace: Callable[..., Path],
                                            tmp_path: Path) -> None:
    settings = SETTINGS.replace("  domain: coord.test.example\n", "")
    out = build(make_workspace(settings=settings), tmp_path / "site", locale="en")
    assert not list(out.rglob("*.ics"))
    page = text(out / "calendar/index.html")
    assert "No calendar feeds were built: set calendar.domain" in page
    assert ".ics" not in " ".join(parse(out / "departments/index.html").links)
    assert_links_resolve(out)


# --- the folder -----------------------------------------------------------------------------------

def test_refuses_a_folder_it_did_not_build(make_workspace: Callable[..., Path],
                                           tmp_path: Path) -> None:
    out = tmp_path / "docs"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    (out / "sub").mkdir()
    (out / "sub/index.html").write_text("<p>mine</p>", encoding="utf-8")
    before = tree(out)
    with pytest.raises(OutputError, match="not empty and was not built by coordctl"):
        build(make_workspace(), out)
    assert tree(out) == before
    assert leftovers(out) == []


def test_cli_refusal_is_one_line_exit_2(make_workspace: Callable[..., Path],
                                        tmp_path: Path) -> None:
    out = tmp_path / "docs"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(make_workspace()), "--today", TODAY.isoformat(),
                                      "build", "-o", str(out)])
    assert "was not built by coordctl" in one_line_error(result)
    assert (out / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_refuses_a_file(make_workspace: Callable[..., Path], tmp_path: Path) -> None:
    out = tmp_path / "site"
    out.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="is a file"):
        build(make_workspace(), out)
    assert out.read_text(encoding="utf-8") == "x"


def test_builds_into_an_empty_or_missing_folder(make_workspace: Callable[..., Path],
                                                tmp_path: Path) -> None:
    root = make_workspace()
    (tmp_path / "empty").mkdir()
    assert (build(root, tmp_path / "empty") / "index.html").is_file()
    assert (build(root, tmp_path / "deep/er/site") / "index.html").is_file()


def test_rebuild_replaces_a_previous_site_whole(make_workspace: Callable[..., Path],
                                                tmp_path: Path) -> None:
    root = make_workspace()
    out = build(root, tmp_path / "site")
    (out / "stale.html").write_text("old", encoding="utf-8")
    (out / "plans/gone.html").write_text("old", encoding="utf-8")
    (root / "plans/action.yaml").unlink()
    build(root, out)
    assert not (out / "stale.html").exists() and not (out / "plans/gone.html").exists()
    assert not (out / "actions/a-001.html").exists()
    assert (out / "index.html").is_file() and (out / MARKER).is_file()
    assert leftovers(out) == []


def test_cli_build(make_workspace: Callable[..., Path], tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["-C", str(make_workspace()), "--today", TODAY.isoformat(),
                                      "--locale", "en", "build", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "built" in result.stderr and "index.html" in result.stderr
    assert parse(out / "index.html").lang == "en"


@pytest.mark.parametrize("template,error", [
    # an undefined name: a template error, reported in one line
    ("{% extends '_base.html' %}{% block content %}<h1>{{ page.no_such_thing }}</h1>"
     "{% endblock %}", OutputError),
    # any other failure of the build
    ("{% extends '_base.html' %}{% block content %}<h1>{{ 1 // 0 }}</h1>{% endblock %}",
     ZeroDivisionError),
])
@pytest.mark.parametrize("workers", [1, 2])  # with 2, the error is raised in a worker
def test_a_failed_build_keeps_the_previous_site(make_workspace: Callable[..., Path],
                                                tmp_path: Path, template: str,
                                                error: type[Exception], workers: int) -> None:
    root = make_workspace()
    out = build(root, tmp_path / "site")
    before = tree(out)
    # check.html is made after every document page: the build fails midway
    (root / "templates").mkdir()
    (root / "templates/site_check.html").write_text(template, encoding="utf-8")
    (root / "plans/plan.yaml").write_text(
        textwrap.dedent(BASE["plans/plan.yaml"]).replace("重大案件处置预案", "改过的预案"),
        encoding="utf-8")
    with pytest.raises(error) as caught:
        build(root, out, workers=workers)
    if error is OutputError:
        assert str(caught.value).startswith(
            "cannot build check.html: template error: 'coordctl.render.Page object' has "
            "no attribute 'no_such_thing'")
    assert tree(out) == before
    assert leftovers(out) == []


@pytest.mark.parametrize("workers", [1, 2])
def test_an_id_that_clashes_with_a_page_is_refused(make_workspace: Callable[..., Path],
                                                   tmp_path: Path, workers: int) -> None:
    root = make_workspace({"plans/extra.yaml": BASE["plans/plan.yaml"].replace(
        "id: major-incident", "id: index")})
    with pytest.raises(OutputError) as caught:
        build(root, tmp_path / "site", workers=workers)
    assert str(caught.value) == ("the list of plans and plan 'index' would both be "
                                 "plans/index.html in the site: rename one of them")
    assert not (tmp_path / "site").exists()
    assert leftovers(tmp_path / "site") == []


def test_a_parallel_build_is_the_same_site(make_repo: Callable[..., GitRepo],
                                           tmp_path: Path) -> None:
    repo = make_repo()
    repo.commit_base()
    changed = repo.commit("Police lead the cordon; a second analysis member", {
        "plans/plan.yaml": BASE["plans/plan.yaml"].replace("accountable: health",
                                                           "accountable: police"),
        "plans/meeting.yaml": BASE["plans/meeting.yaml"].replace(
            "members: [health]", "members: [health, city-gov]")})
    one = tree(build(repo.workspace, tmp_path / "one", audience="internal"))
    two = tree(build(repo.workspace, tmp_path / "two", audience="internal", workers=2))
    assert one == two
    # everything a worker makes is there: pages, agendas, checklists, feeds, history
    assert {"meetings/analysis-agenda.html", "calendar/all.ics", "check.html"} <= set(two)
    assert any("-activate-" in name for name in two)
    assert changed[:7].encode() in two["plans/major-incident.html"]
    result = CliRunner().invoke(cli, ["-C", str(repo.workspace), "--today", TODAY.isoformat(),
                                      "--audience", "internal", "build", "-j", "auto",
                                      "-o", str(tmp_path / "auto")])
    assert result.exit_code == 0, result.stderr
    assert tree(tmp_path / "auto") == one


@pytest.mark.parametrize("jobs", ["0", "-1", "two", ""])
def test_a_number_of_processes_that_is_none(make_workspace: Callable[..., Path],
                                            tmp_path: Path, jobs: str) -> None:
    result = CliRunner().invoke(cli, ["-C", str(make_workspace()), "build", "-j", jobs,
                                      "-o", str(tmp_path / "site")])
    assert result.exit_code == 2
    assert f"'{jobs}' is not a number of processes: use 1, 2, … or auto" in result.stderr
    assert not (tmp_path / "site").exists()


# --- determinism and progress ------------------------------------------------------------------

def test_two_builds_are_byte_identical(make_repo: Callable[..., GitRepo],
                                       tmp_path: Path) -> None:
    repo = make_repo()
    repo.commit_base()
    repo.commit("Second analysis meeting member", {
        "plans/meeting.yaml": BASE["plans/meeting.yaml"].replace("members: [health]",
                                                                 "members: [health, city-gov]")})
    first = tree(build(repo.workspace, tmp_path / "one", audience="internal"))
    second = tree(build(repo.workspace, tmp_path / "two", audience="internal"))
    assert first == second
    assert "index.html" in first and "calendar/all.ics" in first
    build(repo.workspace, tmp_path / "one", audience="internal")
    assert tree(tmp_path / "one") == first


def test_progress_bar_only_when_asked(make_workspace: Callable[..., Path], tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    ws = load_workspace(make_workspace())
    build_site(ws, tmp_path / "quiet", "zh-CN", "public", progress=False)
    assert capsys.readouterr() == ("", "")
    build_site(ws, tmp_path / "loud", "zh-CN", "public", progress=True)
    captured = capsys.readouterr()
    assert captured.out == "" and "building site" in captured.err


def test_workspace_outside_git_builds(tmp_path: Path) -> None:
    root = write_workspace(tmp_path / "ws", BASE)
    assert (build(root, tmp_path / "site") / "index.html").is_file()


@pytest.mark.parametrize("columns", [None, 1])
def test_golden_matrix_page(make_workspace: Callable[..., Path], tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch, columns: int | None) -> None:
    """The site's matrix page, as one grid grouped by plan and as one grid per plan."""
    if columns is not None:
        monkeypatch.setattr("coordctl.site.MATRIX_COLUMNS", columns)
    site = build(make_workspace(), tmp_path / "site", locale="en")
    layout = "grid" if columns is None else "per-plan"
    assert_golden(f"site/matrix-{layout}.html", (site / "matrix.html").read_bytes())


def test_a_matrix_too_wide_for_one_grid_is_one_grid_per_plan(
        make_workspace: Callable[..., Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_workspace()
    monkeypatch.setattr("coordctl.site.MATRIX_COLUMNS", 1)
    site = build(root, tmp_path / "site")
    page = (site / "matrix.html").read_text(encoding="utf-8")
    assert page.count("<table") == len(load_workspace(root).plans)
    assert 'href="plans/major-incident.html"' in page
    assert_links_resolve(site)
