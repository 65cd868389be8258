import json

from functions.core.adapters.processing_queue import ProcessingQueue


def test_request_finalize_sends_finalize_messages(account):
    sqs = account.session.client("sqs")
    url = sqs.create_queue(QueueName="finalize-test")["QueueUrl"]

    ProcessingQueue(sqs, url).request_finalize("ses_1")
    ProcessingQueue(sqs, url).request_finalize("ses_2", "reprocess", from_version=3)

    bodies = [
        json.loads(m["Body"])
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    ]
    assert sorted(bodies, key=lambda b: b["sessionId"]) == [
        {"type": "finalize", "sessionId": "ses_1", "reason": "stopped"},
        {"type": "finalize", "sessionId": "ses_2", "reason": "reprocess", "fromVersion": 3},
    ]
