"""The demo policy core system (SPEC §9): realistic data, so every path is reachable on a fresh machine."""
from .core_system import DemoCoreSystem
from .data import (
    DemoData,
    DemoScenario,
    LegacySeed,
    RegisteredSeed,
    build_demo_data,
    scenarios_as_json,
)
from .seed import seed_accounts

__all__ = [
    "DemoCoreSystem",
    "DemoData",
    "DemoScenario",
    "LegacySeed",
    "RegisteredSeed",
    "build_demo_data",
    "scenarios_as_json",
    "seed_accounts",
]
