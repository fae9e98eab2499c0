"""clgtv: CLGdotTV's production and publishing pipeline for podcasts."""

__version__ = "0.1.0"
