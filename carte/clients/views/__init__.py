"""The client screens, by subject: the card (card.py), the list (lists.py) and the others beside them.

Each view parses the request, calls one query or service and renders; refusals raised by
services (NotAllowed, NotFound…) are rendered by carte.core.middleware.domain_errors,
except field errors, which go back into the form. htmx requests get a named partial of
the same template, so every screen also works without JavaScript.
"""
