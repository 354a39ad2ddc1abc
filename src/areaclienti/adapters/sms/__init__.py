"""SMS providers behind the SmsSender port, with their delivery-status reports."""
from .twilio import SmsProviderUnavailable, SmsRejected, TwilioSmsSender, TwilioStatusCallbacks

__all__ = ["SmsProviderUnavailable", "SmsRejected", "TwilioSmsSender", "TwilioStatusCallbacks"]
