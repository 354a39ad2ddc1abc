"""The insurer's core system over HTTP: the client adapter of the port and the JSON both ends speak."""
from .breaker import CircuitBreaker
from .client import CoreTimeouts, HttpCoreSystem

__all__ = ["CircuitBreaker", "CoreTimeouts", "HttpCoreSystem"]
