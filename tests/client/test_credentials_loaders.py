"""The credential loaders on real files and a monkeypatched environment, cross-checked with botocore's providers."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import botocore.session
import pytest

from awsclient import credentials as creds
from awsclient.credentials import (
    CredentialsError,
    aws_cli_credentials,
    aws_cli_profile,
    credentials_from_environment,
    credentials_from_file,
    current_credentials,
    ensure_have_keys,
    private_key,
    public_key,
    read_keys,
    read_keys_aws_cli,
    security_token,
    set_credentials,
    use_iam_ec2_credentials,
)

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "FQoGZXIvYXdzEXAMPLETOKENvalue=="
OTHER_SECRET = "otherSECRETvalue/abc+def"

CREDENTIALS_FILE = f"""\
[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = {SECRET}

[dev]
aws_access_key_id=AKIDDEV
aws_secret_access_key={OTHER_SECRET}
aws_session_token = {TOKEN}
region = eu-west-1

[broken]
aws_access_key_id = AKIDBROKEN
"""

ENV_NAMES = (
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CONFIG_FILE",
)


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    yield
    for param in (public_key, private_key, security_token, aws_cli_credentials, aws_cli_profile):
        param.reset()


@pytest.fixture
def cred_file(tmp_path: Path) -> Path:
    path = tmp_path / "credentials"
    path.write_text(CREDENTIALS_FILE)
    return path


def botocore_keys(path: Path, profile: str) -> tuple[str, str, str | None]:
    """What botocore's own credential chain reads from the same file."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(path))
        found = botocore.session.Session(profile=profile).get_credentials().get_frozen_credentials()
    return found.access_key, found.secret_key, found.token


@pytest.mark.parametrize("profile", ["default", "dev"])
def test_file_profile_matches_botocore(cred_file: Path, profile: str) -> None:
    loaded = credentials_from_file(cred_file, profile)
    c = current_credentials()
    assert (c.access_key_id, c.secret_access_key, c.session_token) == botocore_keys(cred_file, profile)
    assert loaded == c


def test_defaults_follow_the_environment_when_read(cred_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert aws_cli_credentials() == "~/.aws/credentials" and aws_cli_profile() == "default"
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(cred_file))
    monkeypatch.setenv("AWS_DEFAULT_PROFILE", "dev")
    assert aws_cli_credentials() == str(cred_file) and aws_cli_profile() == "dev"
    credentials_from_file()
    assert (public_key(), security_token()) == ("AKIDDEV", TOKEN)
    monkeypatch.setenv("AWS_PROFILE", "default")  # AWS_PROFILE wins, as in botocore
    assert aws_cli_profile() == "default"
    credentials_from_file()
    assert (public_key(), private_key()) == ("AKIDDEFAULT", SECRET)
    assert (public_key(), private_key(), security_token()) == botocore_keys(cred_file, aws_cli_profile())


def test_home_default_path(tmp_path: Path) -> None:
    home = tmp_path / "home" / ".aws"
    home.mkdir(parents=True)
    (home / "credentials").write_text(CREDENTIALS_FILE)
    credentials_from_file()
    assert public_key() == "AKIDDEFAULT"


def test_profile_without_token_clears_the_token(cred_file: Path) -> None:
    credentials_from_file(cred_file, "dev")
    assert security_token() == TOKEN
    aws_cli_credentials(str(cred_file))
    credentials_from_file()
    assert (public_key(), private_key(), security_token()) == ("AKIDDEFAULT", SECRET, None)


def test_parameters_choose_file_and_profile(cred_file: Path) -> None:
    aws_cli_credentials(str(cred_file))
    aws_cli_profile("dev")
    credentials_from_file()
    assert public_key() == "AKIDDEV"


def assert_unchanged_after(exc_fragment: list[str], call: object) -> CredentialsError:
    set_credentials("AKIDBEFORE", "before-secret", "before-token")
    with pytest.raises(CredentialsError) as info:
        call()  # type: ignore[operator]
    message = str(info.value)
    for fragment in exc_fragment:
        assert fragment in message, message
    for secret in (SECRET, OTHER_SECRET, TOKEN):
        assert secret not in message
    assert (public_key(), private_key(), security_token()) == ("AKIDBEFORE", "before-secret", "before-token")
    assert isinstance(info.value, ValueError)
    return info.value


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "credentials"
    assert_unchanged_after([str(path)], lambda: credentials_from_file(path))


def test_missing_profile_names_it_and_lists_the_present(cred_file: Path) -> None:
    assert_unchanged_after(
        ["'prod'", str(cred_file), "'default'", "'dev'", "'broken'"], lambda: credentials_from_file(cred_file, "prod")
    )


def test_missing_key_names_key_and_profile(cred_file: Path) -> None:
    assert_unchanged_after(["aws_secret_access_key", "'broken'"], lambda: credentials_from_file(cred_file, "broken"))


def test_empty_key_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "c"
    path.write_text("[default]\naws_access_key_id =\naws_secret_access_key = x\n")
    assert_unchanged_after(["aws_access_key_id is empty", "'default'"], lambda: credentials_from_file(path))


@pytest.mark.parametrize(
    "text",
    [
        f"aws_secret_access_key = {SECRET}\n[default]\n",  # no section header first
        f"[default]\naws_access_key_id = A\n{SECRET}\n",  # a line that is no option
        f"[default]\naws_secret_access_key = {SECRET}\naws_secret_access_key = {SECRET}\n",  # duplicate option
        "[default]\n[default]\n",  # duplicate section
    ],
)
def test_malformed_file_names_the_path_never_the_line(tmp_path: Path, text: str) -> None:
    path = tmp_path / "credentials"
    path.write_text(text)
    assert_unchanged_after([str(path), "malformed"], lambda: credentials_from_file(path))


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_bytes(b"\xef\xbb\xbf" + CREDENTIALS_FILE.encode())
    credentials_from_file(path, "dev")
    assert public_key() == "AKIDDEV"


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "binary"
    path.write_bytes(b"\xff\xfe[default]\n")
    assert_unchanged_after([str(path)], lambda: credentials_from_file(path))
    assert_unchanged_after([str(tmp_path)], lambda: credentials_from_file(tmp_path))  # a directory


def test_environment_matches_botocore(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    credentials_from_environment()
    found = botocore.session.Session().get_credentials().get_frozen_credentials()
    assert (public_key(), private_key(), security_token()) == (found.access_key, found.secret_key, found.token)
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    credentials_from_environment()
    assert security_token() is None


def test_environment_is_all_or_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    error = assert_unchanged_after(["AWS_ACCESS_KEY_ID"], credentials_from_environment)
    assert "AWS_SECRET_ACCESS_KEY" not in str(error)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    assert_unchanged_after(["AWS_SECRET_ACCESS_KEY"], credentials_from_environment)


def test_legacy_security_token_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SECURITY_TOKEN", TOKEN)
    credentials_from_environment()
    assert security_token() == TOKEN == botocore.session.Session().get_credentials().token


def test_secrets_never_in_logs_or_reprs(cred_file: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    credentials_from_file(cred_file, "dev")
    shown = caplog.text + repr(current_credentials()) + repr(private_key) + repr(security_token)
    shown += repr(creds.aws_cli_credentials) + repr(aws_cli_profile)
    assert "AKIDDEV" in shown
    assert OTHER_SECRET not in shown and TOKEN not in shown


def test_read_keys_is_deprecated_but_works(tmp_path: Path) -> None:
    path = tmp_path / ".aws-keys"
    path.write_text(f"AWSAccessKeyId=AKIDOLD\nAWSSecretKey={SECRET}\n")
    set_credentials("X", "Y", "stale-token")
    with pytest.warns(DeprecationWarning, match="credentials_from_file"):
        read_keys(path)
    assert (public_key(), private_key(), security_token()) == ("AKIDOLD", SECRET, None)
    path.write_text("AWSAccessKeyId=AKIDOLD\n")
    with pytest.warns(DeprecationWarning):
        assert_unchanged_after(["AWSSecretKey", str(path)], lambda: read_keys(path))


def test_read_keys_default_path_is_home(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / ".aws-keys").write_text(f"AWSAccessKeyId=AKIDHOME\nAWSSecretKey={SECRET}\n")
    with pytest.warns(DeprecationWarning):
        read_keys()
    assert public_key() == "AKIDHOME"


def test_ensure_have_keys(cred_file: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    set_credentials("AKIDSET", "set-secret")
    with pytest.warns(DeprecationWarning, match="credentials_from_file"):
        ensure_have_keys()
    assert public_key() == "AKIDSET"  # nothing blank: nothing loaded
    set_credentials("", "")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(cred_file))
    with pytest.warns(DeprecationWarning):
        ensure_have_keys()  # no ~/.aws-keys: falls back to the CLI file
    assert public_key() == "AKIDDEFAULT"
    set_credentials("", "")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "missing"))
    with pytest.warns(DeprecationWarning), pytest.raises(CredentialsError, match="no AWS keys set") as info:
        ensure_have_keys()
    assert ".aws-keys" in str(info.value) and "missing" in str(info.value)


def test_read_keys_aws_cli_is_credentials_from_file(cred_file: Path) -> None:
    aws_cli_credentials(str(cred_file))
    with pytest.warns(DeprecationWarning, match="credentials_from_file"):
        read_keys_aws_cli()
    assert public_key() == "AKIDDEFAULT"


def test_use_iam_ec2_credentials_loads_the_instance_role(monkeypatch: pytest.MonkeyPatch) -> None:
    from awsfake import FakeIMDS

    imds = FakeIMDS(role_name="my-role")
    with imds.serve() as running:
        monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", running.url)
        with pytest.warns(DeprecationWarning, match="credentials_from_ec2_instance"):
            refresher = use_iam_ec2_credentials("my-role")
        assert public_key() == imds.issued[-1].access_key_id
        assert refresher.role_name == "my-role"
    creds.reset_credentials()
