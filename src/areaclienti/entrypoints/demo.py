"""Demo data: the demo core system's accounts and, in development only, a demo back-office operator.

Used by ``areaclienti demo load``, by ``serve`` in development, and by the development pages that show
the demo operator (``web/dev.py``); none of them imports another for it.
"""
from __future__ import annotations

from .container import Container

# A back-office operator for developers and testers, created by ``demo load`` in development only (its
# password is public: it is printed and shown on /_dev/demo-customers). Not enrolled: the first login
# shows the QR code.
DEMO_OPERATOR_EMAIL = "operatore@ca-demo.it"
DEMO_OPERATOR_NAME = "Operatore Demo"
DEMO_OPERATOR_PASSWORD = "verifica video selfie demo 2026"


def demo_data(container: Container):
    """The demo customers and policies: the in-process demo core system's, or, when the core system is
    reached over HTTP (``areaclienti core serve``), the same demo set built for today."""
    data = getattr(container.core_system(), "data", None)
    if data is None:
        from areaclienti.adapters.demo_core.data import build_demo_data
        from areaclienti.app.calendar import italian_day

        data = build_demo_data(italian_day(container.clock().now()))
    return data


def load_demo(container: Container) -> int:
    """Add the demo accounts (old-area customers, one already registered) where missing, and in
    development the demo operator. Returns how many accounts were added."""
    from areaclienti.adapters.demo_core.seed import seed_accounts

    secrets = container.secrets()
    added = seed_accounts(
        container.uow(), data=demo_data(container), password_hasher=container.password_hasher(),
        new_id=secrets.new_id, now=container.clock().now(),
    )
    load_demo_operator(container)
    return added


def load_demo_operator(container: Container) -> bool:
    """The demo operator, if missing and only in development; True when added now."""
    from areaclienti.domain.errors import OperatorExists

    if not container.settings().development:
        return False
    access = container.operator_access()
    if any(o.email == DEMO_OPERATOR_EMAIL for o in access.list()):
        return False
    try:
        access.create(email=DEMO_OPERATOR_EMAIL, display_name=DEMO_OPERATOR_NAME, password=DEMO_OPERATOR_PASSWORD)
    except OperatorExists:  # created meanwhile by another process
        return False
    return True


def demo_operator_line(base_url: str) -> str:
    return (f"Operatore demo del back-office: {DEMO_OPERATOR_EMAIL} / {DEMO_OPERATOR_PASSWORD} su "
            f"{base_url}/backoffice/accesso (al primo accesso si attiva il secondo fattore con un QR code).")
