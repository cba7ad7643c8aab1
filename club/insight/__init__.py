"""Club insight: the KPI dashboard that tells the supplier whether the club pays off
(issue 18). Importing the package connects its sign-in listener."""

from club.insight import listeners  # noqa: F401
