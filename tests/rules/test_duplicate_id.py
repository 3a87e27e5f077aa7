"""duplicate-id: two documents of one kind with one id."""

from __future__ import annotations

RULE = "duplicate-id"

OTHER_POLICE = """\
    kind: department
    id: police
    name: 交警支队
    exempt: 由公安局统筹
    """


def place(finding):
    return finding.path, finding.line, finding.column, finding.severity, finding.rule


def test_same_id_in_another_file_is_reported_at_the_later_file(findings):
    found = findings({"plans/traffic.yaml": OTHER_POLICE}, rule=RULE)
    assert [place(f) for f in found] == [("plans/traffic.yaml", 2, 5, "error", RULE)]
    assert "department 'police'" in found[0].message
    assert "plans/departments.yaml:1" in found[0].message


def test_the_later_file_in_path_order_is_reported_wherever_it_sits(findings):
    found = findings({"plans/a/traffic.yaml": OTHER_POLICE}, rule=RULE)
    # plans/a/traffic.yaml sorts before plans/departments.yaml.
    assert [place(f) for f in found] == [("plans/departments.yaml", 2, 5, "error", RULE)]
    assert "plans/a/traffic.yaml:1" in found[0].message


def test_same_id_in_one_multi_document_file(findings):
    found = findings({"plans/departments.yaml": """\
        kind: department
        id: police
        name: 市公安局
        contacts: [{role: 值班室, always: true}]
        ---
        kind: department
        id: health
        name: 市卫健委
        contacts: [{role: 值班室, always: true}]
        ---
        kind: department
        id: city-gov
        name: 市政府
        exempt: 统筹协调
        ---
        kind: department
        id: police
        name: 交警支队
        exempt: 由公安局统筹
        """}, rule=RULE)
    assert [place(f) for f in found] == [("plans/departments.yaml", 17, 5, "error", RULE)]
    assert "plans/departments.yaml:1" in found[0].message


def test_third_copy_is_reported_too(findings):
    found = findings({"plans/traffic.yaml": OTHER_POLICE,
                      "plans/traffic2.yaml": OTHER_POLICE}, rule=RULE)
    assert [place(f) for f in found] == [("plans/traffic.yaml", 2, 5, "error", RULE),
                                         ("plans/traffic2.yaml", 2, 5, "error", RULE)]


def test_duplicate_of_a_document_with_a_schema_error_is_still_reported(findings):
    broken = OTHER_POLICE.replace("name: 交警支队", "name: 交警支队\n    colour: blue")
    found = findings({"plans/traffic.yaml": broken}, rule=RULE)
    assert [place(f) for f in found] == [("plans/traffic.yaml", 2, 5, "error", RULE)]


def test_same_id_in_different_kinds_passes(findings):
    assert findings({"plans/police-plan.yaml": """\
        kind: plan
        id: police
        title: 公安内部预案
        owner: police
        phases: [{id: initial, name: 先期处置}]
        duties: [{id: cordon, task: 封控, phase: initial, accountable: police}]
        """}, rule=RULE) == []


def test_distinct_ids_pass(findings):
    assert findings({"plans/traffic.yaml": OTHER_POLICE.replace("id: police",
                                                                "id: traffic-police")},
                    rule=RULE) == []


def test_copied_plan_is_one_finding_not_a_cascade(findings):
    """A plan copied under the same id still assigns its duties: its departments are not
    reported as idle because of the copy."""
    found = findings({"plans/a-copy.yaml": """\
        kind: plan
        id: major-incident
        title: 复制的预案
        owner: police
        status: draft
        phases: [{id: initial, name: 先期处置}]
        duties: [{id: cordon, task: 封控, phase: initial, accountable: police}]
        """})
    assert [place(f) for f in found] == [("plans/plan.yaml", 2, 5, "error", RULE)]
