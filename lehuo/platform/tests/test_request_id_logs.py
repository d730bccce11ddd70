"""Structured JSON logs with a request id that travels into the task jobs a request starts."""

import json
import logging

import pytest

from lehuo.platform import requestid

pytestmark = pytest.mark.django_db


def _json_lines(caplog_records):
    formatter = requestid.JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog_records]


def test_each_request_gets_an_id_in_its_answer_and_log_line(client, caplog):
    caplog.set_level(logging.INFO, logger="lehuo.request")
    response = client.get("/health/")
    rid = response["X-Request-ID"]
    assert len(rid) == 32
    lines = [x for x in _json_lines(caplog.records) if x["logger"] == "lehuo.request"]
    assert lines[-1]["request_id"] == rid
    assert lines[-1]["view"] == "platform:health" and lines[-1]["status"] == 200
    assert "duration_ms" in lines[-1]


def test_nginx_request_id_is_kept_and_a_bad_one_replaced(client):
    assert client.get("/health/", HTTP_X_REQUEST_ID="a1b2c3d4e5f60718")["X-Request-ID"] == "a1b2c3d4e5f60718"
    bad = client.get("/health/", HTTP_X_REQUEST_ID="x\nInjected: 1")["X-Request-ID"]
    assert bad != "x\nInjected: 1" and len(bad) == 32


def test_json_formatter_masks_personal_data_and_keeps_extra_fields():
    from lehuo.platform.logging import RedactPersonalData

    record = logging.LogRecord("lehuo.x", logging.WARNING, __file__, 1, "phone %s", ("13812345678",), None)
    record.view = "people:person"
    RedactPersonalData().filter(record)
    token = requestid.request_id_var.set("abc12345")
    try:
        requestid.RequestIdFilter().filter(record)
        line = json.loads(requestid.JsonFormatter().format(record))
    finally:
        requestid.request_id_var.reset(token)
    assert line["message"] == "phone 138****5678"
    assert line["request_id"] == "abc12345" and line["view"] == "people:person" and line["level"] == "WARNING"


def test_request_id_travels_into_the_job_and_its_worker_lines(caplog):
    from django_tasks import task

    from lehuo.platform import jobs
    from lehuo.platform.models import Job

    token = requestid.request_id_var.set("feedbeef12345678")
    try:
        job = jobs.start_job("test.kind", None, _noop_task)
    finally:
        requestid.request_id_var.reset(token)
    assert Job.objects.get(pk=job.pk).request_id == "feedbeef12345678"
    # The worker: django-tasks' task_started signal sets the job's id for the task's lines.
    caplog.set_level(logging.INFO, logger="lehuo.jobs")
    result = type("R", (), {"args": [job.pk], "id": "t1", "status": "RUNNING",
                            "task": type("T", (), {"module_path": job.task_path})()})()
    requestid.job_started(None, result)
    try:
        assert requestid.current() == "feedbeef12345678"
        logging.getLogger("lehuo.jobs").info("working")
    finally:
        requestid.job_finished(None, result)
    assert requestid.current() == ""
    ids = [x["request_id"] for x in _json_lines(caplog.records) if x["logger"] == "lehuo.jobs"]
    assert ids and set(ids) == {"feedbeef12345678"}
    del task


from django_tasks import task as _task  # noqa: E402


@_task()
def _noop_task(job_id: int) -> None:
    return None
