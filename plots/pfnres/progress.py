"""Progress of a multi-step run on a terminal: what is running, how far, time left.

Silent when stderr is not a terminal (piped or redirected), so logs stay clean. Time left
comes from per-step estimates, rescaled by how long finished steps really took.
"""

import sys
import threading
import time


def _clock(seconds):
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"


class Progress:
    def __init__(self, estimates, stream=None, enabled=None):
        """estimates: expected seconds of each step, in order."""
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.estimates = list(estimates)
        self.index = -1
        self.what = ""
        self.detail = ""
        self.step_start = self.start = time.monotonic()
        self.actual = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
        self._width = 0

    def __enter__(self):
        if self.enabled:
            self._thread = threading.Thread(target=self._tick, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def step(self, what):
        with self._lock:
            now = time.monotonic()
            if self.index >= 0:
                self.actual.append(now - self.step_start)
                self._line(f"done  {self.what} ({_clock(now - self.step_start)})", final=True)
            self.index += 1
            self.what, self.detail, self.step_start = what, "", now
            self._draw()

    def note(self, detail):
        """Latest line a step printed (shown after the step's name)."""
        with self._lock:
            self.detail = detail.strip()

    def message(self, text, always=False):
        """A line that stays. Information only on a terminal; with always (warnings) also
        when stderr is piped."""
        with self._lock:
            if self.enabled:
                self._line(text, final=True)
                self._draw()
            elif always:
                print(text, file=self.stream, flush=True)

    def close(self):
        self._stop.set()
        if self._thread:
            self._thread.join()
            self._thread = None
        # An interruption may have left the lock held by the main thread itself (the
        # signal handler raises wherever the main thread was): never wait for it long.
        got = self._lock.acquire(timeout=0.5)
        try:
            if self.enabled and self._width:
                self.stream.write("\r" + " " * self._width + "\r")
                self.stream.flush()
                self._width = 0
        finally:
            if got:
                self._lock.release()

    def finish(self):
        with self._lock:
            if self.index >= 0 and len(self.actual) <= self.index:
                now = time.monotonic()
                self.actual.append(now - self.step_start)
                self._line(f"done  {self.what} ({_clock(now - self.step_start)})", final=True)
        self.close()

    def left(self):
        """Estimated seconds left for the whole run."""
        done_est = sum(self.estimates[:len(self.actual)])
        scale = (sum(self.actual) / done_est) if self.actual and done_est > 0 else 1.0
        scale = min(max(scale, 0.25), 4.0)
        cur = self.estimates[self.index] * scale if 0 <= self.index < len(self.estimates) else 0
        in_step = time.monotonic() - self.step_start
        rest = sum(self.estimates[self.index + 1:]) * scale
        return max(cur - in_step, 0) + rest

    def _tick(self):
        while not self._stop.wait(0.5):
            with self._lock:
                self._draw()

    def _draw(self):
        if not self.enabled or self.index < 0:
            return
        total = len(self.estimates)
        text = (f"[{self.index + 1}/{total}] {self.what}  "
                f"{_clock(time.monotonic() - self.start)} elapsed, ~{_clock(self.left())} left")
        if self.detail:
            text += f"  | {self.detail}"
        self._line(text)

    def _line(self, text, final=False):
        if not self.enabled:
            return
        cols = 120
        try:
            import shutil
            cols = shutil.get_terminal_size().columns
        except OSError:
            pass
        if not final:  # the live line must fit, or "\r" cannot redraw it
            text = text[:max(cols - 1, 20)]
        pad = max(self._width - len(text), 0)
        self.stream.write("\r" + text + " " * pad + ("\n" if final else ""))
        self.stream.flush()
        self._width = 0 if final else len(text)
