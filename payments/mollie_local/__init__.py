"""Local Mollie-compatible server for development and tests. It is not Mollie.

It serves the part of the Mollie v2 API that the product uses (payments and
their cancellation, refunds, chargebacks, methods), a hosted checkout page
where one picks paid, failed, canceled or expired, and test-control endpoints
under ``/_local``. It calls the webhook as Mollie does: a form POST carrying
only ``id=tr_...``.
The real mollie-api-python client talks to it through ``api_endpoint``.

State is kept in memory and is lost when the process stops.
"""

from .app import create_app
from .server import LocalMollieServer
from .store import MollieStore

__all__ = ["LocalMollieServer", "MollieStore", "create_app"]
