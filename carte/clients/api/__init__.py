"""The clients endpoints of the REST API, by subject, each module with its own router mounted in
carte/api.py; the same queries and services as the screens."""
