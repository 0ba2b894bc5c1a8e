"""Fault-injection tools for chaos tests, shipped in the lib so every service shares them."""
