import threading

from awsclient.credentials import (
    current_credentials,
    private_key,
    public_key,
    security_token,
    set_credentials,
)


def test_snapshot_never_mixes_two_sets() -> None:
    sets = [(f"AKID{i}", f"secret{i}", f"token{i}") for i in range(2)]
    stop = threading.Event()
    mixed: list[tuple[str, str, str | None]] = []

    def writer() -> None:
        i = 0
        while not stop.is_set():
            set_credentials(*sets[i % 2])
            i += 1

    def reader() -> None:
        for _ in range(20000):
            c = current_credentials()
            n = c.access_key_id[-1]
            if not (c.secret_access_key.endswith(n) and (c.session_token or "").endswith(n)):
                mixed.append((c.access_key_id, c.secret_access_key, c.session_token))

    set_credentials(*sets[0])
    threads = [threading.Thread(target=writer) for _ in range(2)] + [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads[2:]:
        t.join()
    stop.set()
    for t in threads[:2]:
        t.join()
    for p in (public_key, private_key, security_token):
        p.reset()
    assert mixed == []


def test_credentials_repr_hides_secrets() -> None:
    set_credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "FQoGZXIvYXdzEXAMPLETOKEN")
    try:
        shown = repr(current_credentials()) + repr(private_key) + repr(security_token)
        assert "AKIDEXAMPLE" in shown
        assert "wJalr" not in shown and "FQoG" not in shown
    finally:
        for p in (public_key, private_key, security_token):
            p.reset()
