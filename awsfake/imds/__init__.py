"""FakeIMDS: the EC2 instance-metadata service, with role credentials the fake endpoint accepts.

It answers as the real service does: IMDSv2 session tokens (`PUT /latest/api/token`), IMDSv1 reads unless tokens
are required, listings one entry a line with sub-directories ending in `/`, JSON documents served as `text/plain`,
`Server: EC2ws`, and HTML error pages for 400/401/403/404/405. Role credentials are minted on demand, registered
with the endpoint (which refuses them with ExpiredToken once expired) and rotated `rotation_lead` seconds before
they expire, as AWS does; older sets stay valid until their own expiry. All clocks are `time.time()`, so freezegun
moves them.

Faults read like intent and undo themselves as context managers::

    with imds.go_down(): ...                     # connection refused
    with imds.slow(2.0): ...                     # every answer waits 2 s
    with imds.fail(500, times=1): ...            # the next answer is a 500
    with imds.answer(path, "{not json"): ...     # a broken document
    with imds.require_tokens(): ...              # IMDSv1 reads get 401 (or set imds.tokens = "required")
    imds.interrupt_spot("terminate")             # EC2's notices: spot interruption, rebalance recommendation

Each returns a handle whose `undo()` (or the end of the `with` block) takes the fault back; `reset()` takes them
all back and forgets what was asked, so one server can serve a whole test module.

Modules: `app` (FakeIMDS, the WSGI app and its controls), `tokens`, `faults`, `role` (credentials and rotation),
`metadata` (the tree served), `instance` (what the instance is), `answers` (IMDS's wording of each answer).
"""

from __future__ import annotations

from awsfake.imds.app import FakeIMDS, IMDSRequest, RunningIMDS
from awsfake.imds.instance import InstanceValues
from awsfake.imds.role import CredentialStore, RoleCredentials

__all__ = [
    "CredentialStore",
    "FakeIMDS",
    "IMDSRequest",
    "InstanceValues",
    "RoleCredentials",
    "RunningIMDS",
]
