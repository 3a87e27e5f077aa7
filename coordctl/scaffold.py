"""``coordctl init``: a new workspace with settings and example documents that pass ``check``.

The example is a small city (three departments, one plan, a monthly meeting, a drill and
an action) dated relative to the day ``init`` runs, so that ``coordctl check`` on the new
workspace finds nothing. Text is in the chosen locale; names carry both locales.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from collections.abc import Callable
from pathlib import Path
from string import Template

from dateutil.relativedelta import TU, WE, relativedelta

from coordctl.errors import CoordctlError, GitNotInstalled
from coordctl.findings import SETTINGS_FILE

LOCALES = ("zh-CN", "en")
SCHEMA_FILE = "coordctl.schema.json"

# --- settings -------------------------------------------------------------------------

_SETTINGS = {
    "zh-CN": """\
# coordctl 工作区设置。plans/ 下（含子文件夹）的每个 *.yaml / *.yml 文件都会被读取；
# 修改后运行 `coordctl check` 检查全部文档。
name:                            # 工作区名称，显示在生成的文档和网站上
  zh-CN: 示例市应急联动协调
  en: Example City emergency coordination
timezone: Asia/Shanghai          # IANA 时区名；工作区内的所有本地时间都按此时区理解
locale: zh-CN                    # 默认输出语言：zh-CN 或 en（命令行 --locale 可临时改变）
calendar:
  domain: coord.example          # 每个日历 UID 中 @ 之后的部分：请改为本单位的域名，之后不要再改
  # site_url: https://coord.example/   # 可选：生成的网站（coordctl build）发布的地址
  reminders: [P1D, PT1H]         # 每个会议和演练之前的提醒：提前 1 天、提前 1 小时
  blackout: []                   # 不安排演练和会议的日期或闭区间，例如 [2027-10-01/2027-10-07]
policy:
  drill_every: P3Y               # 每个预案至少每隔这么久演练一次（P3Y = 3 年）
  review_every: P3Y              # 每个预案至少每隔这么久评审一次（看 reviewed 日期）
check:
  ignore: []                     # 关闭的规则 ID，例如 [schedule-conflict]
# smtp:                          # 可选：`coordctl invite --send` 用来发送会议和演练邀请
#   host: mail.example
#   port: 587
#   starttls: true
#   user: coordination@mail.example   # 密码取自环境变量 COORDCTL_SMTP_PASSWORD
""",
    "en": """\
# coordctl workspace settings. Every *.yaml / *.yml file under plans/ (sub-folders too)
# is read; run `coordctl check` after a change to check every document.
name:                            # the workspace's name, shown on documents and the site
  zh-CN: 示例市应急联动协调
  en: Example City emergency coordination
timezone: Asia/Shanghai          # IANA name; every local time in the workspace is in it
locale: en                       # default output language: zh-CN or en (--locale overrides)
calendar:
  domain: coord.example          # after @ in every calendar UID: your domain; then keep it
  # site_url: https://coord.example/   # optional: where the site (coordctl build) is published
  reminders: [P1D, PT1H]         # reminders before each meeting and drill: 1 day, 1 hour
  blackout: []                   # dates or inclusive ranges with no drills or meetings,
                                 # e.g. [2027-10-01/2027-10-07]
policy:
  drill_every: P3Y               # each plan must be drilled at least this often (P3Y = 3 years)
  review_every: P3Y              # each plan must be reviewed at least this often
check:
  ignore: []                     # rule IDs switched off, e.g. [schedule-conflict]
# smtp:                          # optional: `coordctl invite --send` mails invitations with it
#   host: mail.example
#   port: 587
#   starttls: true
#   user: coordination@mail.example   # password from the COORDCTL_SMTP_PASSWORD variable
""",
}

# --- example documents ------------------------------------------------------------------
# Templates use $name placeholders (YAML has no $), filled from the locale's phrases
# and the computed dates. Names and titles carry both locales; other text is in one.

_DOCUMENTS = {
    "plans/departments/police.yaml": """\
# $c_department
kind: department
id: police
name:
  zh-CN: 市公安局
  en: Municipal Public Security Bureau
short: $police_short
tags: [law-enforcement]
email: duty@police.example       # $c_email
contacts:                        # $c_contacts
  - role: $duty_office
    phone: "0000-0000001"
    always: true                 # $c_always
    verified: $reviewed
""",
    "plans/departments/health.yaml": """\
# $c_department
kind: department
id: health
name:
  zh-CN: 市卫生健康委员会
  en: Municipal Health Commission
short: $health_short
tags: [health]
email: duty@health.example
contacts:
  - role: $duty_office
    phone: "0000-0000002"
    always: true
    verified: $reviewed
""",
    "plans/departments/city-gov.yaml": """\
# $c_exempt_department
kind: department
id: city-gov
name:
  zh-CN: 市人民政府
  en: Municipal People's Government
short: $city_short
tags: [government]
email: office@city-gov.example
# $c_exempt
exempt: $exempt_reason
""",
    "plans/contingency/major-incident.yaml": """\
# $c_plan
kind: plan
id: major-incident
title:
  zh-CN: 重大突发事件联动处置预案
  en: Major incident joint response plan
owner: police                    # $c_owner
hazard: public-security
status: approved                 # draft | approved | retired
reviewed: $reviewed             # $c_reviewed
basis:
  - $basis
description: $plan_description
departments: [police, health]    # $c_departments
levels:                          # $c_levels
  - id: I
    name:
      zh-CN: 特别重大
      en: Particularly serious
    criteria: $criteria_1
  - id: II
    name:
      zh-CN: 重大
      en: Serious
    criteria: $criteria_2
phases:                          # $c_phases
  - id: initial
    name:
      zh-CN: 先期处置
      en: Initial response
    within: 5m
  - id: reinforcement
    name:
      zh-CN: 增援
      en: Reinforcement
    within: 15m
  - id: specialist
    name:
      zh-CN: 专业处置
      en: Specialist response
    within: 30m
duties:                          # $c_duties
  - id: cordon
    task:
      zh-CN: 封控核心现场，疏散群众
      en: Seal off the core area and evacuate the public
    phase: initial
    accountable: police          # $c_accountable
  - id: first-report
    task:
      zh-CN: 向市人民政府首报事件信息
      en: Send the first report to the city government
    phase: initial
    accountable: police
    responsible: [police, health]   # $c_responsible
    informed: [city-gov]         # $c_informed
  - id: triage
    task:
      zh-CN: 现场医疗救护和伤员转运
      en: Treat casualties on site and take them to hospital
    phase: reinforcement
    accountable: health
  - id: investigation
    task:
      zh-CN: 现场勘查和调查取证
      en: Examine the scene and gather evidence
    phase: specialist
    accountable: police
    consulted: [health]          # $c_consulted
  - id: hospital-surge
    task:
      zh-CN: 启动医疗救治绿色通道
      en: Open priority treatment in hospitals
    phase: specialist
    levels: [I]                  # $c_duty_levels
    accountable: health
    informed: [city-gov]
""",
    "plans/meetings/joint-meeting.yaml": """\
# $c_meeting
kind: meeting
id: joint-meeting
title:
  zh-CN: 应急联动工作联席会议
  en: Monthly joint emergency coordination meeting
type: joint                      # joint | coordination | other
convenor: city-gov
members: [police, health]
schedule:
  start: $meeting_start        # $c_start
  duration: 2h
  repeat: FREQ=MONTHLY;BYDAY=1TU # $c_repeat
  except: []                     # $c_except
location: $meeting_location
agenda:                          # $c_agenda
  - title: $agenda_situation
    presenter: police
    minutes: 20
  - title: $agenda_health
    presenter: health
    minutes: 15
  - title: $agenda_actions
    presenter: city-gov
    minutes: 20
""",
    "plans/drills/$drill_id.yaml": """\
# $c_drill
kind: drill
id: $drill_id
title:
  zh-CN: $drill_year年重大突发事件联动处置桌面推演
  en: $drill_year major incident tabletop exercise
plan: major-incident             # $c_drill_plan
type: tabletop                   # tabletop | drill | functional | full-scale
objectives:
  - $objective_1
  - $objective_2
schedule:
  start: $drill_start
  duration: 3h
location: $drill_location
status: planned                  # $c_drill_status
""",
    "plans/actions/$action_id.yaml": """\
# $c_action
kind: action
id: $action_id
title:
  zh-CN: 核实并更新各单位24小时值班电话
  en: Confirm every department's 24-hour duty number
owner: police
source: plan/major-incident      # $c_source
due: $action_due
status: open                     # open | done | dropped
""",
}

_PHRASES: dict[str, dict[str, str]] = {
    "zh-CN": {
        "c_department": "部门：承担预案职责、参加会议和演练的单位。文件名和 id 一致便于查找。",
        "c_exempt_department": "不承担处置职责的部门：exempt 写明理由，check 便不要求它有职责。",
        "c_email": "单位邮箱，用于日历邀请",
        "c_contacts": "联系方式只出现在 --audience internal 的输出中",
        "c_always": "24 小时可联系；承担职责的部门至少要有一个",
        "c_exempt": "非空理由 = 不要求承担职责",
        "police_short": "公安",
        "health_short": "卫健",
        "city_short": "市政府",
        "duty_office": "24小时值班室",
        "exempt_reason": "统筹协调，不承担具体处置职责",
        "c_plan": "预案：分级、分阶段，每项职责有且只有一个牵头部门（accountable）。",
        "c_owner": "负责维护本预案的部门",
        "c_reviewed": "最近一次评审日期；超过 policy.review_every 会提醒",
        "basis": "中华人民共和国突发事件应对法",
        "plan_description": "本预案适用于本市行政区域内重大突发事件现场的快速反应和"
                            "联动处置（示例）。",
        "c_departments": "这些部门都必须在本预案中承担职责",
        "c_levels": "响应等级，最严重的在前",
        "criteria_1": "造成或者可能造成10人以上死亡。",
        "criteria_2": "造成或者可能造成3人以上10人以下死亡。",
        "c_phases": "处置阶段，按顺序；within 是自启动起的到达时限",
        "c_duties": "职责：每个阶段至少一项",
        "c_accountable": "牵头部门，有且只有一个",
        "c_responsible": "配合执行的部门；默认只有牵头部门",
        "c_informed": "需告知的部门（不算承担职责）",
        "c_consulted": "需征求意见的部门（不算承担职责）",
        "c_duty_levels": "只在这些等级适用；默认全部等级",
        "c_meeting": "会议：每月第一个星期二上午召开的联席会议。",
        "c_start": "首次会议，必须是重复规则的一次会期",
        "c_repeat": "RFC 5545 重复规则，可省略",
        "c_except": "跳过的日期，例如节假日",
        "meeting_location": "市政府二楼会议室",
        "c_agenda": "固定议题",
        "agenda_situation": "上月突发事件情况通报",
        "agenda_health": "医疗救治准备情况",
        "agenda_actions": "督办事项进展",
        "c_drill": "演练：检验一个预案；participants 省略时为该预案的全部职责承担部门。",
        "c_drill_plan": "所检验的预案",
        "objective_1": "检验5分钟先期处置和信息首报流程",
        "objective_2": "检验公安与卫健的现场协同",
        "drill_location": "市应急指挥中心",
        "c_drill_status": "planned | done | cancelled；演练结束后改为 done",
        "c_action": "事项：有责任单位和完成时限的整改、督办或会议决定事项。",
        "c_source": "来源文档 kind/id，可省略",
    },
    "en": {
        "c_department": "A department: holds duties in plans, attends meetings and drills. "
                        "File name and id match.",
        "c_exempt_department": "A department without operational duties: exempt gives the "
                               "reason, so check expects no duty of it.",
        "c_email": "organisational address, for calendar invitations",
        "c_contacts": "contacts appear only in outputs made with --audience internal",
        "c_always": "reachable 24/7; a department with duties needs at least one",
        "c_exempt": "a non-empty reason = not expected to hold duties",
        "police_short": "Police",
        "health_short": "Health",
        "city_short": "City government",
        "duty_office": "24-hour duty office",
        "exempt_reason": "Coordinates the response and holds no operational duties",
        "c_plan": "A plan: levels, phases in order, and duties each with exactly one "
                  "accountable department.",
        "c_owner": "the department that maintains this plan",
        "c_reviewed": "last review; check warns after policy.review_every",
        "basis": "Emergency Response Law of the People's Republic of China",
        "plan_description": "Rapid response to, and joint handling of, major incidents in "
                            "the city (an example).",
        "c_departments": "each of these must hold a duty in this plan",
        "c_levels": "response levels, most severe first",
        "criteria_1": "Ten or more deaths, or likely to cause them.",
        "criteria_2": "Three to nine deaths, or likely to cause them.",
        "c_phases": "phases in order; within: target from activation",
        "c_duties": "duties, at least one in every phase",
        "c_accountable": "the one lead department",
        "c_responsible": "departments that carry it out; default the accountable one",
        "c_informed": "kept informed (does not count as holding the duty)",
        "c_consulted": "consulted (does not count as holding the duty)",
        "c_duty_levels": "applies at these levels only; default all levels",
        "c_meeting": "A meeting: the joint meeting on the first Tuesday morning of each month.",
        "c_start": "the first meeting, which must be an occurrence of the repeat rule",
        "c_repeat": "RFC 5545 repeat rule, optional",
        "c_except": "dates skipped, such as public holidays",
        "meeting_location": "City government, meeting room 2",
        "c_agenda": "standing items",
        "agenda_situation": "Incidents of the past month",
        "agenda_health": "Readiness of medical care",
        "agenda_actions": "Progress of open actions",
        "c_drill": "A drill exercises one plan; without participants every duty holder of "
                   "the plan takes part.",
        "c_drill_plan": "the plan it exercises",
        "objective_1": "Test the 5-minute initial response and the first report",
        "objective_2": "Test how police and health work together on site",
        "drill_location": "City emergency command centre",
        "c_drill_status": "planned | done | cancelled; set it to done afterwards",
        "c_action": "An action: anything tracked to completion with an owner and a deadline.",
        "c_source": "the document it came from, kind/id; optional",
    },
}

#: Commit message of the first commit, per locale.
_FIRST_COMMIT = {"zh-CN": "新建 coordctl 工作区", "en": "New coordctl workspace"}


def example_dates(today: dt.date) -> dict[str, str]:
    """Dates of the example documents, relative to ``today``, that keep ``check`` silent.

    Reviewed a month ago; the monthly meeting starts on the first Tuesday of next month
    (an occurrence of its rule); the drill is on a Wednesday about two months ahead (never
    on a meeting day); the action is due in three months.
    """
    reviewed = today - relativedelta(months=1)
    meeting = today + relativedelta(months=1, day=1, weekday=TU(+1))
    drill = today + relativedelta(months=2, weekday=WE(+1))
    due = today + relativedelta(months=3)
    return {
        "reviewed": reviewed.isoformat(),
        "meeting_start": f"{meeting.isoformat()}T09:30",
        "drill_start": f"{drill.isoformat()}T09:00",
        "drill_year": str(drill.year),
        "drill_id": f"major-incident-tabletop-{drill.year}",
        "action_id": f"a-{today.year}-001",
        "action_due": due.isoformat(),
    }


def workspace_files(locale: str = "zh-CN", today: dt.date | None = None) -> dict[str, str]:
    """Workspace-relative path -> text of every file ``init`` writes (no git)."""
    from coordctl.model import document_schema

    if locale not in LOCALES:
        raise CoordctlError(f"'{locale}' is not a locale coordctl knows: use zh-CN or en")
    values = {**_PHRASES[locale], **example_dates(today or dt.date.today())}
    files = {
        SETTINGS_FILE: _SETTINGS[locale],
        ".gitignore": "# coordctl build\nsite/\n",
        SCHEMA_FILE: json.dumps(document_schema(), ensure_ascii=False, indent=2) + "\n",
    }
    for path_template, text in _DOCUMENTS.items():
        path = Template(path_template).substitute(values)
        up = "../" * path.count("/")
        files[path] = (f"# yaml-language-server: $schema={up}{SCHEMA_FILE}\n"
                       + Template(text).substitute(values))
    return files


def init_workspace(directory: Path, locale: str = "zh-CN", git: bool = True, *,
                   today: dt.date | None = None,
                   warn: Callable[[str], None] | None = None) -> Path:
    """Make a new workspace in ``directory`` (created if missing, else it must be empty).

    Writes the settings, the schema and the example documents, then with ``git`` makes a
    repository with a first commit. Never overwrites or deletes anything. When git is not
    installed the files are still written and ``warn`` (default: ``warnings.warn``) is told
    that no repository was made. Returns the workspace folder.
    """
    files = workspace_files(locale, today)
    root = Path(directory)
    _prepare(root)
    for rel, text in files.items():
        path = root / rel
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("x", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        except FileExistsError:
            raise CoordctlError(f"{path} appeared while coordctl init was writing; "
                                "nothing was overwritten: start again in an empty folder"
                                ) from None
        except OSError as exc:
            raise CoordctlError(f"cannot write {path}: {exc.strerror}") from None
    if git:
        from coordctl.source import init_repository

        try:
            init_repository(root, _FIRST_COMMIT[locale])
        except GitNotInstalled as exc:
            (warn or warnings.warn)(f"{exc}: the workspace in {root} has no git repository; "
                                    "install git, then run 'git init' and commit the files")
        except CoordctlError as exc:
            raise CoordctlError(f"the workspace files are in {root}, but no first commit "
                                f"was made: {exc}") from None
    return root.resolve()


def _prepare(root: Path) -> None:
    """Create ``root``, or accept it when it is an empty folder; refuse anything else."""
    if root.exists() or root.is_symlink():
        if not root.is_dir():
            raise CoordctlError(f"{root} exists and is not a folder: give coordctl init a new "
                                "or empty folder")
        try:
            occupied = any(root.iterdir())
        except OSError as exc:
            raise CoordctlError(f"cannot read {root}: {exc.strerror}") from None
        if occupied:
            raise CoordctlError(f"{root} is not empty: give coordctl init a new or empty "
                                "folder (it never overwrites files)")
        return
    try:
        root.mkdir(parents=True)
    except OSError as exc:
        raise CoordctlError(f"cannot create {root}: {exc.strerror}") from None
