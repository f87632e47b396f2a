"""awsfake: a strict fake AWS for tests — verifies every SigV4 signature, answers in AWS's wire formats."""

from awsfake.accounts import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCOUNT_ID, DEFAULT_SECRET_ACCESS_KEY
from awsfake.app import FakeAWS
from awsfake.imds import FakeIMDS

__all__: list[str] = ["DEFAULT_ACCESS_KEY_ID", "DEFAULT_ACCOUNT_ID", "DEFAULT_SECRET_ACCESS_KEY", "FakeAWS", "FakeIMDS"]
