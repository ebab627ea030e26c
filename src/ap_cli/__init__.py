"""apcli: the Albanian anti-trafficking action plan 2008–2010 as version-controlled data."""

__version__ = "0.1.0"
