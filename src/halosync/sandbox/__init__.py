"""The sandbox: a simulated Huntress and HaloPSA on 127.0.0.1, for the demo, the tests and rehearsals.

`Sandbox` holds the state and answers requests (`handle`); `serve` puts it on
a real HTTP port. What it does not simulate is listed in the README.
"""

from halosync.sandbox.app import Request, Response, Sandbox
from halosync.sandbox.server import serve
from halosync.sandbox.state import Faults, State

__all__ = ["Faults", "Request", "Response", "Sandbox", "State", "serve"]
