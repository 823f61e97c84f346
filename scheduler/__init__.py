"""scheduler: treatment-schedule calendars from protocol templates.

The core is pure: :func:`scheduler.core.expand.expand` turns a :class:`scheduler.core.plan.PlanRequest`
(template, start date, working-day calendar, parameters) into a :class:`scheduler.core.plan.Plan`
whose events every exporter reads.
"""

__version__ = "0.1.0"
