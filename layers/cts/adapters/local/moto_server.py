"""moto's server for the local stack, with transactions that do not copy whole tables.

moto 5 runs ``TransactWriteItems`` by deep-copying every table the transaction touches (its rollback plan), so a
transaction costs time proportional to the table: ~100 ms with a few thousand consignments, and concurrent requests
can see a table while it is copied (500 errors). :func:`patch_transactions` replaces it with check-then-write under
a lock: every condition is evaluated first against the current items; if any fails, nothing is written and the
same ``TransactionCanceledException`` (with one reason per item) is raised; otherwise the writes are applied.
Local AWS only (``python -m cts.adapters.local.moto_server -H 127.0.0.1 -p PORT``)."""

from __future__ import annotations

import sys
import threading
from typing import Any

_LOCK = threading.RLock()
_OPS = {"ConditionCheck", "Put", "Delete", "Update"}


def patch_transactions() -> None:
    from moto.dynamodb import models
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        with _LOCK:
            targets: set[tuple[str, str]] = set()
            errors: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
            plan: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
            for item in transact_items:
                if len(item) > 1:
                    raise TransactWriteSingleOpException
                op_type, op = next(iter(item.items()))
                if op_type not in _OPS:
                    raise ValueError("Unsupported transaction operation")
                table_name = op["TableName"]
                if op_type == "Put":
                    table = self.get_table(table_name)
                    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = op["Item"][table.range_key_attr]
                else:
                    key = op["Key"]
                target = (str(table_name), str(dict(sorted(key.items()))))
                if target in targets:
                    raise MultipleTransactionsException()
                targets.add(target)
                current = self.get_item(table_name, key)
                condition = op.get("ConditionExpression")
                if condition is not None:
                    check = get_filter_expression(
                        condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
                    )
                    if not check.expr(current):
                        old = None
                        if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                            old = current.to_json()["Attributes"]
                        errors.append(("ConditionalCheckFailed", "The conditional request failed", old))
                        continue
                errors.append((None, None, None))
                plan.append((op_type, op, key))
            if any(code is not None for code, _, _ in errors):
                raise TransactionCanceledException(errors)
            for op_type, op, key in plan:  # every condition held: write (conditions were checked above)
                names = op.get("ExpressionAttributeNames")
                values = op.get("ExpressionAttributeValues")
                if op_type == "Put":
                    self.put_item(op["TableName"], op["Item"])
                elif op_type == "Delete":
                    self.delete_item(op["TableName"], key)
                elif op_type == "Update":
                    self.update_item(
                        op["TableName"],
                        key,
                        update_expression=op["UpdateExpression"],
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> None:
    from moto.server import main as moto_main

    patch_transactions()
    moto_main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
