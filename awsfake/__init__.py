"""awsfake: a strict fake AWS for tests — verifies every SigV4 signature, answers in AWS's wire formats."""

from awsfake.imds import FakeIMDS

__all__: list[str] = ["FakeIMDS"]
