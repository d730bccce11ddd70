"""Issue 16 (low): the console notification backend kept every phone number and message in a
module-level list for the life of the process. It only logs now (masked phone); the test suite's
MemoryBackend keeps a bounded number."""

import logging

from lehuo.platform import notify


def test_console_backend_keeps_nothing_and_masks_the_phone(caplog):
    notify.outbox.clear()
    caplog.set_level(logging.INFO, logger="lehuo.notify")
    for i in range(50):
        notify.ConsoleBackend().send(f"1381234{i:04d}", "已由候补转为正式录取")
    assert len(notify.outbox) == 0
    assert "13812340049" not in caplog.text and "138****0049" in caplog.text


def test_memory_backend_for_tests_is_bounded():
    notify.outbox.clear()
    for i in range(notify.OUTBOX_SIZE + 10):
        notify.MemoryBackend().send(f"1391234{i:04d}", "x")
    assert len(notify.outbox) == notify.OUTBOX_SIZE
    notify.outbox.clear()
