"""alignsim: an agent-based simulation of geopolitical alignment on Mesa."""

__version__ = "0.1.0"
