"""Carte's connector for Asterisk's manager interface (AMI): the event listener and click-to-call.

`originate` places a call (used by the calls service); the listener (`carte.calls.ami.listener`,
run by `carte ami`) is imported only by the command, since it imports the calls services.
"""

from carte.calls.ami.placing import originate

__all__ = ["originate"]
