import json

import boto3
from moto import mock_aws

from functions.core.processing_queue import ProcessingQueue


@mock_aws
def test_request_finalize_sends_a_finalize_message():
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]

    ProcessingQueue(sqs, url).request_finalize("ses_1")
    ProcessingQueue(sqs, url).request_finalize("ses_2", "reprocess")

    bodies = [
        json.loads(m["Body"])
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    ]
    assert sorted(bodies, key=lambda b: b["sessionId"]) == [
        {"type": "finalize", "sessionId": "ses_1", "reason": "stopped"},
        {"type": "finalize", "sessionId": "ses_2", "reason": "reprocess"},
    ]
