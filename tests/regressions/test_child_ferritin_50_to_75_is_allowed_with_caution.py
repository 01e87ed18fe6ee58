"""Issue 20, finding 8: for children the paediatric supplementation threshold is ferritin < 50 ng/mL; at 50-75 ng/mL
oral iron "may be considered" (UpToDate / RLS Foundation algorithm, clinical-facts §3.1 Children; §6 D13 "Record as
allowed with caution"; clinical-facts-2 §7.10.6). A child at 60 ng/mL: oral iron allowed with caution, the caution
first. A child at 30 ng/mL is supplemented (AASM paediatric GPS, clinical-facts §1.3 row 25), without waiting for a
TSAT no paediatric source asks for (IRLSSG 2018's TSAT > 45 % rule is an adult guideline's), and the report's next
step says so: never "NOW: nothing" for a child whose iron needs treating."""

from kg.report.decision_output import to_json_data
from tests.regressions.profiles import REPORT_PROFILES, reasons


def test_ferritin_60(knowledge):
    from kg.core.decide.decision import decide

    decision = decide(REPORT_PROFILES["child-ferritin-60"], knowledge=knowledge)
    assert decision.status_of("ferrous-sulfate") == "allowed-with-caution"
    assert ("caution", "caut-pediatric-oral-iron-ferritin-50-75") in reasons(decision, "ferrous-sulfate")


def test_ferritin_30_tsat_unknown(knowledge):
    from kg.core.decide.decision import decide

    decision = decide(REPORT_PROFILES["child-low-ferritin"], knowledge=knowledge)
    assert decision.status_of("ferrous-sulfate") == "recommended"
    next_step = to_json_data(decision)["summary"]["now"][0]
    assert next_step["kind"] == "next-step" and "replete iron: ferrous sulfate" in next_step["text"]
