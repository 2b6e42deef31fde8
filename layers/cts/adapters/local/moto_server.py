"""moto's server for the local stack: moto's application, patched, behind waitress.

moto answers for correctness, not speed: several of its paths cost time proportional to a table or a queue, or
redo per request what does not change, which made the local pipeline quadratic in the number of consignments
stored. :func:`patch_all` applies the fixes, each tested against moto's own answers
(``tests/integration/test_local_moto_patches.py``): DynamoDB in :mod:`cts.adapters.local.moto_dynamodb` and
:mod:`cts.adapters.local.moto_queries`; SQS, Step Functions and request dispatch in
:mod:`cts.adapters.local.moto_services`.

Local AWS only (``python -m cts.adapters.local.moto_server -H 127.0.0.1 -p PORT``)."""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

from cts.adapters.local.moto_dynamodb import patch_dynamodb, patch_item_costs
from cts.adapters.local.moto_services import (
    patch_request_dispatch,
    patch_sqs,
    patch_state_machine_parsing,
    quiet_http_log,
)


def patch_all() -> None:
    """Every fix; idempotent. Call before the server starts."""
    patch_dynamodb()
    patch_item_costs()
    patch_request_dispatch()
    patch_sqs()
    patch_state_machine_parsing()
    quiet_http_log()


def _with_raw_uri(app: Any) -> Any:
    """moto reads the request's undecoded path from ``RAW_URI`` (werkzeug's name), which waitress calls
    ``REQUEST_URI``: without it an S3 key with an encoded character (a presigned upload's ``%3A``) is decoded."""

    def application(environ: dict[str, Any], start_response: Any) -> Any:
        if "RAW_URI" not in environ and "REQUEST_URI" in environ:
            environ["RAW_URI"] = environ["REQUEST_URI"]
        return app(environ, start_response)

    return application


class MotoServer:
    """moto's application (every service, patched) behind waitress, on a thread: see :func:`serve`."""

    def __init__(self, host: str, port: int, threads: int = 64) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from waitress.server import create_server

        patch_all()
        os.environ.setdefault("MOTO_PORT", str(port))  # moto names itself in some answers (queue URLs)
        # Long polls (SQS receives waiting up to 20 s) each hold a thread: there are enough for every poller.
        self._server: Any = create_server(
            _with_raw_uri(DomainDispatcherApplication(create_backend_app)),
            host=host,
            port=port,
            threads=threads,
            connection_limit=1000,
            channel_timeout=300,
            ident="moto",
        )
        self._thread: threading.Thread | None = None

    def start(self) -> MotoServer:
        self._thread = threading.Thread(target=self._server.run, name="moto-server", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.run()

    def stop(self) -> None:
        self._server.close()
        self._server.task_dispatcher.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)


def main(argv: list[str] | None = None) -> None:
    """``-H HOST -p PORT``: moto's server, patched, until the process is stopped.

    moto's own server is werkzeug's development server, which closes every connection after one answer (a TCP
    connect and a new thread per request, ~1 ms of the server's time) and then waits 10 ms to drain the socket.
    waitress keeps connections alive and answers from a pool of threads; moto's application is the same."""
    import argparse

    parser = argparse.ArgumentParser(prog="cts.adapters.local.moto_server")
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    MotoServer(args.host, args.port).serve_forever()


if __name__ == "__main__":
    main()
