"""threatatlas-tm: threat models as code, with the ThreatAtlas security gate offline."""

__version__ = "0.1.0"
