#!/usr/bin/env python3
"""Drives the `pneumo serve` page in headless Chromium and saves a screenshot after an upload.

Opens the page, puts JPEG files into its file chooser as a person would, waits until every
image shows its prediction (and heatmap), then writes a full-page PNG.

    Scripts/serve_screenshot.py --url http://127.0.0.1:8080 --out docs/serve.png \\
        ../shared/data/chest_xray/test/NORMAL/IM-0001-0001.jpeg ../shared/data/chest_xray/test/PNEUMONIA/person1_virus_6.jpeg

Needs Debian's `chromium` package; Python standard library only. With --pngquant, Debian's
`pngquant` reduces the screenshot to 256 colours (how docs/serve.png is kept small). Talks to Chromium over its
DevTools pipe (fds 3 and 4), so no port is opened. Loopback URLs only. Not part of CI.
"""

import argparse
import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class DevTools:
    """A minimal Chrome DevTools Protocol client over --remote-debugging-pipe."""

    def __init__(self, chromium, window, timeout):
        self.profile = tempfile.mkdtemp(prefix="pneumo-chromium-")
        commands_read, self.commands = os.pipe()
        self.replies, replies_write = os.pipe()
        arguments = [
            chromium, "--headless=new", "--remote-debugging-pipe", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-sync", "--disable-gpu",
            "--hide-scrollbars", f"--user-data-dir={self.profile}", f"--window-size={window[0]},{window[1]}",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            arguments.append("--no-sandbox")  # Chromium refuses to start as root otherwise
        # Chromium reads commands on fd 3 and writes replies on fd 4.
        shell = f'exec "$@" 3<&{commands_read} 4>&{replies_write}'
        self.process = subprocess.Popen(
            ["sh", "-c", shell, "sh", *arguments, "about:blank"], pass_fds=(commands_read, replies_write),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(commands_read)
        os.close(replies_write)
        self.buffer = b""
        self.next_id = 0
        self.timeout = timeout
        self.session = None

    def call(self, method, params=None, session=True):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method} failed: {reply['error']}")
                return reply.get("result", {})
        raise TimeoutError(f"Chromium did not answer {method} within {self.timeout} s")

    def _read_message(self, deadline):
        while b"\0" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.replies], [], [], remaining)[0]:
                raise TimeoutError("Chromium stopped answering")
            chunk = os.read(self.replies, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium exited; is the `chromium` package installed and working?")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        return result.get("result", {}).get("value")

    def wait_for(self, expression, what):
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.evaluate(expression):
                return
            time.sleep(0.1)
        raise TimeoutError(f"timed out after {self.timeout} s waiting for {what}")

    def close(self):
        try:
            self.call("Browser.close", session=False)
        except (OSError, RuntimeError, TimeoutError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.commands)
        os.close(self.replies)
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("images", nargs="+", help="JPEG files to upload through the page")
    parser.add_argument("--url", default="http://127.0.0.1:8080/", help="page URL; loopback only")
    parser.add_argument("--out", default="serve-screenshot.png", help="PNG to write")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium", help="Chromium binary")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--timeout", type=float, default=60, help="seconds allowed for each step")
    parser.add_argument("--pngquant", action="store_true", help="shrink the PNG to 256 colours with pngquant")
    arguments = parser.parse_args()

    parsed = urllib.parse.urlsplit(arguments.url)
    if parsed.scheme != "http" or parsed.hostname not in LOOPBACK_HOSTS:
        sys.exit(f"error: {arguments.url} is not a loopback http:// URL; this script only opens 127.0.0.1, ::1 or localhost.")
    images = [os.path.abspath(path) for path in arguments.images]
    for path in images:
        if not os.path.isfile(path):
            sys.exit(f"error: no file at {path}")
    if arguments.pngquant and not shutil.which("pngquant"):
        sys.exit("error: --pngquant needs Debian's pngquant package: apt-get install pngquant")
    if not shutil.which(arguments.chromium):
        sys.exit(f"error: {arguments.chromium} not found; install Debian's package: apt-get install chromium")

    browser = DevTools(arguments.chromium, (arguments.width, arguments.height), arguments.timeout)
    try:
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        browser.session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        browser.call("Page.enable")
        browser.call("Emulation.setDeviceMetricsOverride", {
            "width": arguments.width, "height": arguments.height, "deviceScaleFactor": 1, "mobile": False})
        browser.call("Page.navigate", {"url": arguments.url})
        browser.wait_for("document.readyState === 'complete' && !!document.querySelector('#files')", "the page")
        browser.wait_for("!document.querySelector('#model').textContent.startsWith('Loading')", "the model description")

        document = browser.call("DOM.getDocument")["root"]["nodeId"]
        chooser = browser.call("DOM.querySelector", {"nodeId": document, "selector": "#files"})["nodeId"]
        browser.call("DOM.setFileInputFiles", {"nodeId": chooser, "files": images})
        count = len(images)
        browser.wait_for(
            f"document.querySelectorAll('.card .verdict, .card .error').length >= {count}", f"{count} results")
        browser.wait_for("Array.from(document.images).every(image => image.complete)", "the images to render")
        errors = browser.evaluate("Array.from(document.querySelectorAll('.card .error')).map(e => e.textContent)")
        summary = browser.evaluate(
            "Array.from(document.querySelectorAll('.card')).map(card => "
            "card.querySelector('.name').textContent + ': ' + "
            "(card.querySelector('.verdict, .error') || {textContent: '?'}).textContent + ' ' + "
            "(card.querySelector('.heat') ? '(heatmap)' : ''))")

        content = browser.call("Page.getLayoutMetrics")["cssContentSize"]
        height = max(arguments.height, int(content["height"]) + 1)
        browser.call("Emulation.setDeviceMetricsOverride", {
            "width": arguments.width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        time.sleep(0.3)  # let the resized layout paint
        shot = browser.call("Page.captureScreenshot", {"format": "png"})["data"]
    finally:
        browser.close()

    directory = os.path.dirname(os.path.abspath(arguments.out))
    os.makedirs(directory, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=directory, suffix=".png", delete=False) as file:
        file.write(base64.b64decode(shot))
    if arguments.pngquant:
        # Quantised in the temporary file, before the rename, so the output is never half-written.
        subprocess.run(["pngquant", "--force", "--skip-if-larger", "--strip", "--output", file.name, "256", file.name],
                       check=False)
    os.replace(file.name, arguments.out)
    for line in summary:
        print(line)
    print(f"wrote {arguments.out} ({arguments.width}x{height})")
    if errors:
        print(f"{len(errors)} upload(s) failed: {errors}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
