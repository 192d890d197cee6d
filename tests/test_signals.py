"""`scendsl.signals.handling`: the one way the package sets a signal handler for a while."""

import signal
import threading

from scendsl.signals import handling


def test_the_handler_answers_inside_the_block_and_the_previous_one_comes_back():
    def mine(signum, frame):
        return None

    before = signal.getsignal(signal.SIGUSR1)
    with handling(signal.SIGUSR1, mine) as set_:
        assert set_
        assert signal.getsignal(signal.SIGUSR1) is mine
    assert signal.getsignal(signal.SIGUSR1) is before


def test_the_previous_handler_comes_back_after_an_exception():
    before = signal.getsignal(signal.SIGUSR2)
    try:
        with handling(signal.SIGUSR2, signal.SIG_IGN):
            raise KeyError("x")
    except KeyError:
        pass
    assert signal.getsignal(signal.SIGUSR2) is before


def test_off_the_main_thread_nothing_changes_and_the_block_still_runs():
    seen: list[object] = []

    def run() -> None:
        with handling(signal.SIGUSR1, signal.SIG_IGN) as set_:
            seen.append(set_)
            seen.append(signal.getsignal(signal.SIGUSR1))

    before = signal.getsignal(signal.SIGUSR1)
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert seen == [False, before]
