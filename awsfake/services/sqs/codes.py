"""SQS's modeled error shapes and the query-era codes AWS still reports for them (in `x-amzn-query-error` and in
batch entry failures). The JSON family reads this table through SQS's catalogue row."""

from __future__ import annotations

__all__ = ["BATCH_CODES", "QUERY_CODES"]

QUERY_CODES = {
    "QueueDoesNotExist": "AWS.SimpleQueueService.NonExistentQueue",
    "QueueNameExists": "QueueAlreadyExists",
    "QueueDeletedRecently": "AWS.SimpleQueueService.QueueDeletedRecently",
    "PurgeQueueInProgress": "AWS.SimpleQueueService.PurgeQueueInProgress",
    "MessageNotInflight": "AWS.SimpleQueueService.MessageNotInflight",
    "BatchEntryIdsNotDistinct": "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
    "BatchRequestTooLong": "AWS.SimpleQueueService.BatchRequestTooLong",
    "EmptyBatchRequest": "AWS.SimpleQueueService.EmptyBatchRequest",
    "InvalidBatchEntryId": "AWS.SimpleQueueService.InvalidBatchEntryId",
    "TooManyEntriesInBatchRequest": "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
    "UnsupportedOperation": "AWS.SimpleQueueService.UnsupportedOperation",
    "InvalidIdFormat": "InvalidIdFormat",
    "ReceiptHandleIsInvalid": "ReceiptHandleIsInvalid",
    "InvalidAttributeName": "InvalidAttributeName",
    "InvalidAttributeValue": "InvalidAttributeValue",
    "InvalidMessageContents": "InvalidMessageContents",
    "OverLimit": "OverLimit",
    "RequestThrottled": "RequestThrottled",
}

# The codes a batch entry's failure reports by their query-era name (the others keep their shape name).
BATCH_CODES = {shape: QUERY_CODES[shape] for shape in ("QueueDoesNotExist", "QueueNameExists")}
