"""The local stack: the whole system on one machine, no AWS account (``doorproof local``).

moto (server mode) stands in for DynamoDB, S3, Firehose, SQS and EventBridge; a small HTTP
front door plays API Gateway; a poller plays Lambda's SQS event source mapping; a timer plays
the EventBridge schedule. The handlers are the real ones. See docs/local.md.
"""

from doorproof.local.stack import LocalStack

__all__ = ["LocalStack"]
