"""The default credential chain on real files, a real FakeIMDS and a real FakeAWS (which verifies each signature),
beside botocore's own chain given the same environment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import botocore.exceptions
import botocore.session
import pytest

from awsclient import parameterize, sts
from awsclient.credentials import (
    DEFAULT_CHAIN,
    CredentialsError,
    aws_cli_config,
    aws_cli_credentials,
    aws_cli_profile,
    current_credentials,
    private_key,
    public_key,
    reset_credentials,
    set_credentials,
)
from awsfake import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FakeAWS, FakeIMDS
from awsfake.pytest_plugin import without_credential_sources

KEYS = {"AKIDENV": "env/secret", "AKIDFILE": "file/secret", "AKIDCONFIG": "config/secret"}


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[FakeAWS, FakeIMDS, str, str]]:
    fake = FakeAWS()
    for key, secret in KEYS.items():
        fake.add_credentials(key, secret)
    imds = FakeIMDS(fake, role_name="chain-role")
    with fake.serve() as endpoint, imds.serve() as metadata:
        yield fake, imds, endpoint.url, metadata.url


@pytest.fixture
def imds(
    world: tuple[FakeAWS, FakeIMDS, str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[FakeIMDS]:
    """No credential source but a served FakeIMDS; AWS_ENDPOINT_URL at the served FakeAWS."""
    fake, imds, endpoint, metadata = world
    without_credential_sources(monkeypatch, tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", metadata)
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    imds.reset()
    reset_credentials()
    yield imds
    reset_credentials()
    for param in (aws_cli_credentials, aws_cli_config, aws_cli_profile):
        param.reset()
    fake.check()


@pytest.fixture
def fake(world: tuple[FakeAWS, FakeIMDS, str, str], imds: FakeIMDS) -> FakeAWS:
    return world[0]


def caller(fake: FakeAWS) -> str:
    """The access key id whose signature the fake verified, on a GetCallerIdentity made with no credentials loaded."""
    sts.get_caller_identity()
    return fake.requests[-1].access_key_id


def botocore_key() -> str:
    found = botocore.session.Session().get_credentials()
    assert found is not None
    return str(found.get_frozen_credentials().access_key)


def write(path: Path, text: str) -> None:
    path.write_text(text)


def profile(section: str, key: str) -> str:
    return f"[{section}]\naws_access_key_id = {key}\naws_secret_access_key = {KEYS[key]}\n"


def test_the_chain_is_botocores_order() -> None:
    assert [name for name, _ in DEFAULT_CHAIN] == ["environment", "AWS CLI files", "instance metadata"]


def test_the_environment_comes_first(
    fake: FakeAWS, imds: FakeIMDS, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", KEYS["AKIDENV"])
    write(tmp_path / "credentials", profile("default", "AKIDFILE"))
    assert caller(fake) == "AKIDENV" == botocore_key()
    assert imds.credential_fetches == 0


def test_then_the_profile_in_the_credentials_file(
    fake: FakeAWS, imds: FakeIMDS, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "dev")
    write(tmp_path / "credentials", profile("default", "AKIDENV") + profile("dev", "AKIDFILE"))
    write(tmp_path / "config", profile("profile dev", "AKIDCONFIG"))
    assert caller(fake) == "AKIDFILE" == botocore_key()
    assert imds.credential_fetches == 0


def test_then_the_profile_in_the_config_file(
    fake: FakeAWS, imds: FakeIMDS, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "dev")
    write(tmp_path / "credentials", profile("default", "AKIDENV") + "[dev]\nregion = eu-west-1\n")
    write(tmp_path / "config", profile("profile dev", "AKIDCONFIG"))
    assert caller(fake) == "AKIDCONFIG" == botocore_key()


def test_the_default_profile_of_the_config_file_is_its_default_section(
    fake: FakeAWS, imds: FakeIMDS, tmp_path: Path
) -> None:
    write(tmp_path / "config", profile("default", "AKIDCONFIG"))
    assert caller(fake) == "AKIDCONFIG" == botocore_key()


def test_then_instance_metadata_looked_up_once_and_kept_fresh(fake: FakeAWS, imds: FakeIMDS) -> None:
    assert caller(fake) == current_credentials().access_key_id == imds.issued[-1].access_key_id
    assert ":assumed-role/chain-role/" in sts.get_caller_identity()["Arn"]
    assert imds.credential_fetches == 1  # the second call used the credentials the first one found
    assert botocore_key().startswith("ASIA")  # botocore's chain ends on the instance role too


def test_explicit_credentials_win(fake: FakeAWS, imds: FakeIMDS, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", KEYS["AKIDENV"])
    with parameterize({public_key: "AKIDFILE", private_key: KEYS["AKIDFILE"]}):
        assert caller(fake) == "AKIDFILE"
    set_credentials(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY)
    assert caller(fake) == DEFAULT_ACCESS_KEY_ID
    assert imds.credential_fetches == 0


def test_a_named_profile_in_neither_file_is_refused_as_botocore_does(
    imds: FakeIMDS, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "nope")
    write(tmp_path / "credentials", profile("default", "AKIDFILE"))
    with pytest.raises(CredentialsError, match=f"profile 'nope' is in neither {tmp_path / 'credentials'} nor"):
        current_credentials()
    with pytest.raises(botocore.exceptions.ProfileNotFound):
        botocore_key()
    assert imds.credential_fetches == 0


def test_half_a_key_pair_in_the_environment_stops_the_search(imds: FakeIMDS, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    with pytest.raises(CredentialsError, match="AWS_SECRET_ACCESS_KEY not set"):
        current_credentials()
    with pytest.raises(botocore.exceptions.PartialCredentialsError):
        botocore_key()
    assert imds.credential_fetches == 0


def test_finding_nothing_is_remembered_until_reset(
    fake: FakeAWS, imds: FakeIMDS, monkeypatch: pytest.MonkeyPatch
) -> None:
    with imds.go_down(), pytest.raises(CredentialsError) as first:
        current_credentials()
    reasons = str(first.value)
    assert reasons.startswith("no AWS credentials: set public_key and private_key, or load them; none found")
    for source in ("environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set", "AWS CLI files: no keys for"):
        assert source in reasons
    assert "instance metadata: could not reach IMDS" in reasons
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", KEYS["AKIDENV"])
    with pytest.raises(CredentialsError) as again:
        current_credentials()  # not searched again: IMDS is up now, and the environment has keys
    assert str(again.value) == reasons and imds.credential_fetches == 0
    reset_credentials()
    assert caller(fake) == "AKIDENV"
