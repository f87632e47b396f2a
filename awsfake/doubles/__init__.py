"""Test doubles' shared parts, used by both fakes (`FakeAWS` and `FakeIMDS`) so each behaves the same way.

- `log`: a thread-safe list that keeps only its newest entries when given a limit (journals, SNS's published list).
- `journal`: what was asked, with filters and assertions that read like the test (`assert_called`).
- `error_log`: exceptions raised on server threads, re-raised in the test thread by `check()`.
- `rules`: ordered rules used a counted number of times (FakeAWS's stubs, FakeIMDS's `fail(times=)`).
- `credentials`: temporary credentials minted the way AWS shapes them (STS sessions, instance-role keys).
- `redact`: session tokens and signatures out of whatever is kept (journal headers, parameters and bodies).
"""
