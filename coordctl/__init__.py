"""coordctl: a git-backed toolkit for inter-agency coordination."""

__version__ = "0.1.0"
