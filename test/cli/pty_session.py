#!/usr/bin/env python3
"""Drives a command through a real pseudo-terminal for the REPL tests (test/cli/repl.test.ts).

Usage: pty_session.py COMMAND [ARGS...] < script.json

The script is a JSON list of steps, run in order:
  {"expect": "text"}   wait until `text` appears in the raw output after the previous match
  {"send": "text"}     write `text` to the terminal, as keys typed by the user ("\r" is Enter)
  {"eof": true}        wait for the process to exit
  {"repeat": "keys", "until": "text", "every": seconds}
                       send `keys` again every `every` seconds until `text` appears: for a
                       key whose effect shows only when it is pressed again (two Ctrl-C
                       signals sent close together may reach the program as one)
Every wait has a deadline (SPY_PTY_TIMEOUT seconds, default 20): the steps never sleep blindly.

Prints one JSON object: {"screen": the output rendered as a terminal shows it, one string
with trailing blanks trimmed; "raw": the bytes as text; "code": exit code or null; "error":
null or what timed out}. Rendering interprets the cursor and erase sequences Node's readline
uses, so the screen does not depend on how a line editor chooses to redraw.
"""
import fcntl
import json
import os
import pty
import re
import select
import struct
import sys
import termios
import time

ROWS, COLS = 50, 200


class Screen:
    """An endless-scrolling terminal: lines of cells, a cursor, the CSI sequences readline emits."""

    def __init__(self):
        self.lines = [[]]
        self.row = 0
        self.col = 0

    def _line(self):
        while len(self.lines) <= self.row:
            self.lines.append([])
        return self.lines[self.row]

    def _put(self, ch):
        if self.col >= COLS:
            self.row += 1
            self.col = 0
        line = self._line()
        while len(line) < self.col:
            line.append(' ')
        if self.col < len(line):
            line[self.col] = ch
        else:
            line.append(ch)
        self.col += 1

    def feed(self, text):
        i = 0
        n = len(text)
        while i < n:
            ch = text[i]
            if ch == '\x1b':
                m = re.compile(r'\x1b\[([?0-9;]*)([@-~])').match(text, i)
                if m:
                    self._csi(m.group(1), m.group(2))
                    i = m.end()
                    continue
                i += 2  # a two-character escape (charset selection...): nothing to draw
                continue
            if ch == '\r':
                self.col = 0
            elif ch == '\n':
                self.row += 1
                self._line()
            elif ch == '\b':
                self.col = max(0, self.col - 1)
            elif ch == '\t':
                self.col = (self.col // 8 + 1) * 8
            elif ch >= ' ':
                self._put(ch)
            i += 1

    def _csi(self, params, final):
        if params.startswith('?'):
            return  # modes (bracketed paste...)
        nums = [int(p) if p else 0 for p in params.split(';')] if params else []
        arg = nums[0] if nums else 0
        line = self._line()
        if final == 'G':
            self.col = max(arg, 1) - 1
        elif final == 'C':
            self.col += max(arg, 1)
        elif final == 'D':
            self.col = max(0, self.col - max(arg, 1))
        elif final == 'A':
            self.row = max(0, self.row - max(arg, 1))
        elif final == 'B':
            self.row += max(arg, 1)
            self._line()
        elif final == 'K':
            if arg == 0:
                del line[self.col:]
            elif arg == 1:
                for k in range(min(self.col + 1, len(line))):
                    line[k] = ' '
            else:
                line.clear()
        elif final == 'J':
            if arg == 0:
                del line[self.col:]
                del self.lines[self.row + 1:]
        # 'm' (colour) and anything else changes nothing visible in text

    def text(self):
        return '\n'.join(''.join(l).rstrip() for l in self.lines).rstrip('\n') + '\n'


def main():
    steps = json.load(sys.stdin)
    timeout = float(os.environ.get('SPY_PTY_TIMEOUT', '20'))
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', ROWS, COLS, 0, 0))
        try:
            os.execvp(sys.argv[1], sys.argv[1:])
        finally:
            os._exit(127)
    raw = b''
    code = None
    error = None
    pos = 0
    ended = False

    def read_some(deadline):
        """Reads what is available (waiting until the deadline); False once the child is gone."""
        nonlocal raw
        left = deadline - time.monotonic()
        if left <= 0:
            return True
        r, _, _ = select.select([fd], [], [], min(left, 0.5))
        if r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                return False
            if not data:
                return False
            raw += data
        return True

    try:
        for step in steps:
            deadline = time.monotonic() + timeout
            if 'send' in step:
                try:
                    os.write(fd, step['send'].encode('utf-8'))
                except OSError:
                    pass  # the program has already ended; a later step says so
            elif 'repeat' in step:
                want = step['until']
                while raw.decode('utf-8', 'replace').find(want, pos) < 0:
                    if time.monotonic() > deadline:
                        error = 'timed out repeating %r until %r' % (step['repeat'], want)
                        break
                    try:
                        os.write(fd, step['repeat'].encode('utf-8'))
                    except OSError:
                        break
                    again = min(time.monotonic() + step['every'], deadline)
                    while time.monotonic() < again and read_some(again):
                        if raw.decode('utf-8', 'replace').find(want, pos) >= 0:
                            break
                if error:
                    break
            elif 'expect' in step:
                want = step['expect']
                while True:
                    at = raw.decode('utf-8', 'replace').find(want, pos)
                    if at >= 0:
                        pos = at + len(want)
                        break
                    if time.monotonic() > deadline:
                        error = 'timed out waiting for %r' % want
                        break
                    if not read_some(deadline):
                        at = raw.decode('utf-8', 'replace').find(want, pos)
                        if at >= 0:
                            pos = at + len(want)
                        else:
                            error = 'the program ended while waiting for %r' % want
                        break
                if error:
                    break
            elif 'pause' in step:
                # for comparing with other REPLs by hand only; the tests never sleep
                end = time.monotonic() + step['pause']
                while time.monotonic() < end and read_some(end):
                    pass
            elif step.get('eof'):
                while read_some(deadline):
                    if time.monotonic() > deadline:
                        error = 'timed out waiting for the program to end'
                        break
                if error:
                    break
                ended = True
    finally:
        done, status = os.waitpid(pid, 0 if ended else os.WNOHANG)
        if done == 0:
            # a failed step, or a script that stops before the program ends: end it
            try:
                os.kill(pid, 9)
            except OSError:
                pass
            _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
    text = raw.decode('utf-8', 'replace')
    screen = Screen()
    screen.feed(text)
    json.dump({'screen': screen.text(), 'raw': text, 'code': code, 'error': error}, sys.stdout)


main()
