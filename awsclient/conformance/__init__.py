"""SigV4 conformance: vectors for awsclient's signer, for anyone's signer (`--signer`), for any verifier (`--verify`).

`python -m awsclient.conformance DIR` reads two suite layouts under DIR, nested as you like:
- AWS's aws-sig-v4-test-suite (`CASE.req` beside the expected `.creq`, `.sts`, `.authz`): `sigv4_suite`;
- AWS's C signer's aws-signing-test-suite (a folder with `context.json`, `request.txt` and the expected
  `header-*.txt` / `query-*.txt` files): `crt_suite`.
Each check prints a line when it fails (every line with `-v`); the last line is `N passed, N failed` (and
`N skipped` when some were); the exit status is 0 only when something passed and nothing failed.
`--signer CMD` (`external_signer`) and `--verify [URL]` (`verify`) are described in docs/conformance.md.
"""

from awsclient.conformance.cli import main, run
from awsclient.conformance.request_text import RawRequest, parse_request
from awsclient.conformance.sigv4_suite import Options, Signed, options_for, sign_case

__all__ = ["Options", "RawRequest", "Signed", "main", "options_for", "parse_request", "run", "sign_case"]
