"""Carte, a self-hosted CRM for small companies."""

__version__ = "0.1.0"
