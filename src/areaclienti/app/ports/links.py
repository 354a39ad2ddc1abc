from __future__ import annotations

import abc


class LinkBuilder(abc.ABC):
    """Absolute URLs put in emails, pointing at the customer site."""

    @abc.abstractmethod
    def set_password(self, token: str) -> str:
        """The page where a new customer sets the first password."""

    @abc.abstractmethod
    def reset_password(self, token: str) -> str:
        """The page where a customer sets a new password after a reset."""

    @abc.abstractmethod
    def confirm_email_change(self, token: str) -> str:
        """The page, reached from the new address, that confirms it as the login email."""

    @abc.abstractmethod
    def assistance_thread(self, token: str) -> str:
        """An assistance request's thread, opened from an email without logging in (signed, expiring)."""

    @abc.abstractmethod
    def cancel_email_change(self, token: str) -> str:
        """The page, reached from the old address, that undoes a change of the login email."""

    @abc.abstractmethod
    def register(self) -> str:
        """The registration page (used in the notice to legacy customers with wrong data)."""

    @abc.abstractmethod
    def login(self) -> str:
        """The login page."""

    @abc.abstractmethod
    def identification(self) -> str:
        """The page where a customer starts (or repeats) the video selfie."""

    @abc.abstractmethod
    def request(self, number: str) -> str:
        """The page of one of the customer's requests (its timeline and receipt)."""

    @abc.abstractmethod
    def payment_return(self, number: str) -> str:
        """Where the payment provider sends the customer back after its page."""

    @abc.abstractmethod
    def payment_notifications(self) -> str:
        """Where the payment provider posts its signed notifications."""
