"""How partners feel about the club and what they could buy: a short satisfaction
question (NPS, 0-10 and a comment) and the yearly purchase potential that account
managers estimate per company.

Above catalog and events (it listens to their signals) and members; nothing below
imports it. The KPI dashboard reads it through `services.nps_summary` and
`services.potentials`.
"""

from club.satisfaction import listeners  # noqa: F401
