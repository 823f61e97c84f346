"""``scheduler serve``: the web app for coordinators and the patients' calendar feeds.

A Starlette app over the registry. Routes parse the request, call the library (the same
functions as the command line) and render a Jinja2 page; they compute nothing of their own.
See :func:`create_app`.
"""

from scheduler.web.app import create_app

__all__ = ["create_app"]
