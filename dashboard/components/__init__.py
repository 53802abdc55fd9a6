"""Widgets and helpers the pages share."""
