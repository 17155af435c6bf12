"""traysupport: a tray app for engineers on a support rotation."""

__version__ = "0.1.0"
