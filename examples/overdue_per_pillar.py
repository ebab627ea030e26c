"""How much work was overdue in each pillar at the end of June 2009, and how much of it nobody
had reported on: apcli from Python, as in a notebook.

Run it from the repository: `python examples/overdue_per_pillar.py`. It reads the plan as
`apcli` finds it ($APCLI_PLAN, ./plan, then the bundled plan) with the demonstration progress
log beside this script.
"""

from collections import Counter
from pathlib import Path

import ap_cli

plan = ap_cli.open_plan(progress=Path(__file__).parent / "progress-demo")  # ap_cli.PlanInvalid if it has errors
as_of = ap_cli.cutoff("2009-06")  # the last day of June 2009, as `apcli overdue --as-of 2009-06` reads it

late = ap_cli.overdue(plan, as_of)
overdue = Counter(item.rec.pillar for item in late)
unreported = Counter(item.rec.pillar for item in late if not item.state.reported)
activities = Counter(rec.pillar for rec in plan.activities)

print(f"Overdue as of {as_of.isoformat()}, per pillar")
print(f"{'pillar':<8}{'activities':>10}{'overdue':>9}{'unreported':>12}  title (unofficial English)")
for pillar in plan.pillars:
    n = pillar.numeral
    print(f"{n:<8}{activities[n]:>10}{overdue[n]:>9}{unreported[n]:>12}  {pillar.title_en}")
print(f"{'all':<8}{len(plan.activities):>10}{len(late):>9}{sum(unreported.values()):>12}")
