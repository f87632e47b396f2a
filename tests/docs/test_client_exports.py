import importlib

import awsclient


def test_public_names_are_exported_and_sorted() -> None:
    assert awsclient.__all__ == sorted(awsclient.__all__)
    for name in ("AwsError", "TransportError", "current_pool_timeout", "max_attempts", "request"):
        assert name in awsclient.__all__ and hasattr(awsclient, name)
    for module in ("errors", "transport", "s3", "sns", "sts"):
        mod = importlib.import_module(f"awsclient.{module}")
        assert all(hasattr(mod, n) for n in mod.__all__)
