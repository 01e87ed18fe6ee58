"""Issue 20, finding 9 and "Deliver" 6: the reason shown first for an option is the one that decided its status, and
safety reasons rank by clinical severity. For an opioid allowed with caution, a boxed-warning interaction the patient
actually has (opioid with a benzodiazepine: FDA 2016 boxed warning, clinical-facts §5.2) comes first, and a
pregnancy warning (opioids: neonatal withdrawal, CHEST 2020 table, clinical-facts §5.7) before a generic precaution
such as the opioid treatment agreement (Mayo 2018, clinical-facts §4.4), which is something to do before starting,
not a warning about this patient. A new user trying a pregnant patient saw opioids "due now with no pregnancy
warning first"."""

from kg.report.decision_output import to_json_data
from kg.report.options import option_groups
from tests.regressions.profiles import REPORT_PROFILES

AGREEMENT = "caut-mayo-opioid-agreement"


def _shown(knowledge, profile_name, option):
    from kg.core.decide.decision import decide

    decision = decide(REPORT_PROFILES[profile_name], knowledge=knowledge)
    row = next(r for g in option_groups(to_json_data(decision), decision, True) for r in g["rows"]
               if r["ids"] == [option])
    return row["status"], [r["statement"] for r in row["reasons"]]


def test_a_boxed_warning_interaction_comes_first(knowledge):
    status, statements = _shown(knowledge, "opioid-and-benzodiazepine", "methadone")
    assert status == "allowed-with-caution" and statements[0] == "ddi-opioids-benzodiazepines"
    assert statements.index("ddi-opioids-benzodiazepines") < statements.index(AGREEMENT)


def test_a_pregnancy_warning_comes_before_the_opioid_agreement(knowledge):
    status, statements = _shown(knowledge, "pregnant-refractory-on-sertraline", "methadone")
    # sertraline is a CNS depressant in the CDC value set (ADR 0015): the opioid x CNS-depressant boxed warning the
    # patient actually has comes first, then the pregnancy warning, before the agreement
    assert status == "allowed-with-caution" and statements[0] == "ddi-opioids-cns-depressants"
    assert statements.index("caut-opioids-pregnancy") < statements.index(AGREEMENT)


def test_a_not_yet_indicated_opioid_shows_its_later_line_first(knowledge):
    status, statements = _shown(knowledge, "bupropion-for-depression", "methadone")
    assert status == "not-yet-indicated" and statements[0] == "seed-methadone-refractory"
