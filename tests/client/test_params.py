import threading

import pytest

from awsclient import Parameter, parameterize
from awsclient.params import positive_int


def test_read_set_and_default() -> None:
    p: Parameter[int] = Parameter("p", 1, validate=positive_int)
    assert p() == 1
    p(5)
    assert p() == 5
    p.reset()
    assert p() == 1


def test_process_wide_value_is_seen_by_other_threads() -> None:
    p: Parameter[int] = Parameter("p", 1)
    p(7)
    seen = []
    t = threading.Thread(target=lambda: seen.append(p()))
    t.start()
    t.join()
    assert seen == [7]


def test_parameterize_is_context_local_and_restores() -> None:
    p: Parameter[int] = Parameter("p", 1)
    seen = []
    with parameterize({p: 2}):
        assert p() == 2
        t = threading.Thread(target=lambda: seen.append(p()))
        t.start()
        t.join()
        p(3)  # changes the override, not the process-wide value
        assert p() == 3
    assert p() == 1
    assert seen == [1]


def test_validation_names_the_parameter_and_changes_nothing() -> None:
    p: Parameter[int] = Parameter("pool_size", 1, validate=positive_int)
    with pytest.raises(ValueError, match="pool_size"):
        p(0)
    with pytest.raises(TypeError, match="pool_size"):
        p("3")
    assert p() == 1
    with pytest.raises(ValueError, match="pool_size"), parameterize({p: -1}):
        pass


def test_default_factory_reads_at_each_read(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    p: Parameter[str] = Parameter("profile", default_factory=lambda: os.environ.get("X_PROFILE", "default"))
    assert p() == "default"
    monkeypatch.setenv("X_PROFILE", "work")
    assert p() == "work"


def test_secret_parameters_hide_their_value() -> None:
    p: Parameter[str] = Parameter("private_key", "", secret=True)
    p("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    assert "wJalr" not in repr(p)
    with pytest.raises(TypeError) as info:
        Parameter("x", "", secret=True, validate=positive_int)("sekrit")  # type: ignore[arg-type]
    assert "sekrit" not in str(info.value)


def test_readme_parameters_example() -> None:
    from awsclient.credentials import public_key

    public_key("AKIDEXAMPLE")
    try:
        with parameterize({public_key: "AKIDOTHER"}):
            assert public_key() == "AKIDOTHER"
        assert public_key() == "AKIDEXAMPLE"
        with pytest.raises(TypeError, match="public_key"):
            public_key(42)  # type: ignore[arg-type]
    finally:
        public_key.reset()
