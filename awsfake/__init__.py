"""awsfake: a strict fake AWS for tests — verifies every SigV4 signature, answers in AWS's wire formats."""

__all__: list[str] = []
