"""``[core] hostname_callable`` of the cluster check: each Airflow process names itself by ``CLUSTER_NODE``.

Every process of the check runs on one machine, so the real host name would not tell the two Celery workers (or
the two triggerers) apart; task instances and triggerer jobs record this name instead.
"""

from __future__ import annotations

import os
import socket


def node_name() -> str:
    """``$CLUSTER_NODE`` (``worker-a``, ``triggerer-b``, ...), else the machine's name."""
    return os.environ.get("CLUSTER_NODE") or socket.getfqdn()
