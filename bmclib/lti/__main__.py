"""``python -m bmclib.lti keygen --out DIR [--key-id KID]``: the tool's key pair (see
bmclib.lti.tool_keys)."""

from __future__ import annotations

import argparse
import sys

from .errors import LTIError, say
from .tool_keys import generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bmclib.lti", description="LTI 1.3 tool keys for bmclib"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser(
        "keygen", help="make the tool's RSA key pair (private key, public PEM, JWK, JWKS)"
    )
    p.add_argument(
        "--out", required=True, help="folder for the four files (a key is never overwritten)"
    )
    p.add_argument("--key-id", help="the key id (kid); default bmc-<date>-<random>")
    args = parser.parse_args(argv)
    try:
        key_id, paths = generate(args.out, args.key_id)
    except (LTIError, OSError) as exc:
        print(f"python -m bmclib.lti: {exc}", file=sys.stderr)
        return 2
    print(
        say(
            "lti_keygen_done",
            key_id=key_id,
            private=paths["tool-key.pem"],
            jwk=paths["tool-jwk.json"],
            public=paths["tool-public.pem"],
            jwks=paths["tool-jwks.json"],
        )
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
