#!/usr/bin/env python3
"""A real SMTP server for tests: captures every message Embargo sends.

    capture.py PORT DIR

Listens on 127.0.0.1:PORT with aiosmtpd, writes each message to DIR/NNNN.eml and its envelope
to DIR/NNNN.json, prints "ready" once listening, and runs until killed. With the environment
variable CAPTURE_REJECT_FIRST=N it answers the first N messages with 451 (a temporary
failure), so tests can check retries.
"""

import json
import os
import sys
import time
from pathlib import Path

from aiosmtpd.controller import Controller


class Capture:
    def __init__(self, out: Path, reject_first: int):
        self.out = out
        self.n = 0
        self.rejected = 0
        self.reject_first = reject_first

    async def handle_DATA(self, server, session, envelope):
        if self.rejected < self.reject_first:
            self.rejected += 1
            return "451 4.3.0 try again later"
        self.n += 1
        stem = self.out / f"{self.n:04d}"
        stem.with_suffix(".eml").write_bytes(envelope.original_content or envelope.content)
        stem.with_suffix(".json").write_text(json.dumps({
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
        }))
        return "250 2.0.0 captured"


def main() -> None:
    port, out = int(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    handler = Capture(out, int(os.environ.get("CAPTURE_REJECT_FIRST", "0")))
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
