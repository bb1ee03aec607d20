#!/usr/bin/env python3
"""Tests the `pneumo serve` page in a real browser (headless Chromium), end to end.

Starts `pneumo serve` with a checkpoint on a free loopback port, opens the page, puts a JPEG,
a DICOM and a cut-off DICOM into its file chooser, waits for the three results, checks the
text each card shows, toggles the heatmaps (all at once, then one card's), and with --out
saves a screenshot (docs/serve.png). Exits non-zero, naming the check, when one fails.

    Scripts/serve_browser_test.py --pneumo .build/release/pneumo --model runs/RUN/best \\
        --jpeg Tests/Fixtures/DICOM/pneumonia.jpeg --dicom Tests/Fixtures/DICOM/normal-jpeg2000.dcm \\
        --out docs/serve.png --pngquant

Needs Debian's `chromium`; Python standard library only (the DevTools client is
serve_screenshot.py's).
"""

import argparse
import base64
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_screenshot import DevTools  # noqa: E402


class CheckFailed(Exception):
    pass


def check(condition, what):
    if not condition:
        raise CheckFailed(what)
    print(f"ok: {what}")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(pneumo, model, port, log):
    server = subprocess.Popen(
        [pneumo, "serve", "--model", model, "--device", "cpu", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CheckFailed(f"pneumo serve exited with status {server.returncode}; see its log")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            pass
        time.sleep(0.3)
    server.terminate()
    raise CheckFailed("the server was not ready within 120 s")


def cards(browser):
    """Each result card as {name, verdict, error, details, heatmap, preview}."""
    return browser.evaluate(
        "Array.from(document.querySelectorAll('.card')).map(card => ({"
        "name: card.querySelector('.name').textContent,"
        "verdict: (card.querySelector('.verdict') || {}).textContent || null,"
        "error: (card.querySelector('.error') || {}).textContent || null,"
        "details: Array.from(card.querySelectorAll('.detail')).map(d => d.textContent),"
        "heatmap: !!card.querySelector('img.heat'),"
        "heatmapShown: !!card.querySelector('img.heat') && getComputedStyle(card.querySelector('img.heat')).display !== 'none',"
        "preview: !card.querySelector('.frame').classList.contains('no-preview')}))")


def drive(browser, url, files, classes):
    target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    browser.session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    browser.call("Page.enable")
    browser.call("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    browser.call("Page.navigate", {"url": url})
    browser.wait_for("document.readyState === 'complete' && !!document.querySelector('#files')", "the page")
    browser.wait_for("!document.querySelector('#model').textContent.startsWith('Loading')", "the model description")
    model = browser.evaluate("document.querySelector('#model').textContent")
    check(model.startswith("Model ") and "threshold" in model, f"the page describes the model: {model!r}")
    drop = browser.evaluate("document.querySelector('#drop').textContent")
    check("DICOM" in drop, "the drop zone offers DICOM files")

    document = browser.call("DOM.getDocument")["root"]["nodeId"]
    chooser = browser.call("DOM.querySelector", {"nodeId": document, "selector": "#files"})["nodeId"]
    browser.call("DOM.setFileInputFiles", {"nodeId": chooser, "files": [path for path, _ in files]})
    browser.wait_for(f"document.querySelectorAll('.card .verdict, .card .error').length >= {len(files)}", "every result")
    browser.wait_for("Array.from(document.images).every(image => image.complete)", "the images to render")

    shown = {card["name"]: card for card in cards(browser)}
    for path, expectation in files:
        name = os.path.basename(path)
        card = shown.get(name)
        check(card is not None, f"{name} has a card")
        if expectation == "error":
            check(card["error"] and "DICOM" in card["error"], f"{name} shows why it was refused: {card['error']!r}")
            check(not card["heatmap"], f"{name} has no heatmap")
            continue
        check(card["verdict"] in classes, f"{name} shows a class: {card['verdict']!r}")
        check(any(detail.startswith("Model ") and " px " in detail for detail in card["details"]),
              f"{name} shows the model, size and timing: {card['details']}")
        check(card["heatmap"] and card["heatmapShown"], f"{name} shows its heatmap")
        check(card["preview"] == (expectation == "jpeg"),
              f"{name}: {'the X-ray is drawn' if expectation == 'jpeg' else 'the DICOM note replaces the X-ray'}")

    browser.evaluate("document.getElementById('all-heatmaps').click()")
    after = cards(browser)
    check(all(not card["heatmapShown"] for card in after if card["heatmap"]), "the page-wide switch hides every heatmap")
    browser.evaluate("document.getElementById('all-heatmaps').click()")
    check(all(card["heatmapShown"] for card in cards(browser) if card["heatmap"]), "and shows them again")
    browser.evaluate("document.querySelector('.heat-toggle').click()")
    toggled = [card["heatmapShown"] for card in cards(browser) if card["heatmap"]]
    check(toggled.count(False) == 1, "a card's own switch hides only its heatmap")
    browser.evaluate("document.querySelector('.heat-toggle').click()")

    content = browser.call("Page.getLayoutMetrics")["cssContentSize"]
    height = max(900, int(content["height"]) + 1)
    browser.call("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": height, "deviceScaleFactor": 1, "mobile": False})
    time.sleep(0.3)  # let the resized layout paint
    return browser.call("Page.captureScreenshot", {"format": "png"})["data"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pneumo", default=".build/debug/pneumo", help="the pneumo executable")
    parser.add_argument("--model", required=True, help="checkpoint to serve")
    parser.add_argument("--jpeg", required=True)
    parser.add_argument("--dicom", required=True)
    parser.add_argument("--classes", default="normal,pneumonia")
    parser.add_argument("--out", help="write the screenshot here")
    parser.add_argument("--pngquant", action="store_true", help="shrink the PNG to 256 colours with pngquant")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--timeout", type=float, default=60, help="seconds allowed for each browser step")
    arguments = parser.parse_args()
    if not shutil.which(arguments.chromium):
        sys.exit(f"error: {arguments.chromium} not found; install Debian's package: apt-get install chromium")

    work = tempfile.mkdtemp(prefix="pneumo-browser-")
    cut = os.path.join(work, "cut-off.dcm")
    with open(arguments.dicom, "rb") as source, open(cut, "wb") as target:
        data = source.read()
        target.write(data[: len(data) // 2])
    files = [(os.path.abspath(arguments.jpeg), "jpeg"), (os.path.abspath(arguments.dicom), "dicom"), (cut, "error")]
    port = free_port()
    log_path = os.path.join(work, "serve.log")
    server = browser = None
    try:
        with open(log_path, "w") as log:
            server = start_server(arguments.pneumo, arguments.model, port, log)
            browser = DevTools(arguments.chromium, (1280, 900), arguments.timeout)
            shot = drive(browser, f"http://127.0.0.1:{port}/", files, arguments.classes.split(","))
    except (CheckFailed, TimeoutError, RuntimeError) as error:
        print(f"FAILED: {error}", file=sys.stderr)
        if os.path.exists(log_path):
            print(open(log_path).read()[-3000:], file=sys.stderr)
        return 1
    finally:
        if browser:
            browser.close()
        if server:
            server.terminate()
            server.wait(timeout=20)
    if arguments.out:
        directory = os.path.dirname(os.path.abspath(arguments.out))
        with tempfile.NamedTemporaryFile(dir=directory, suffix=".png", delete=False) as file:
            file.write(base64.b64decode(shot))
        if arguments.pngquant:
            subprocess.run(["pngquant", "--force", "--skip-if-larger", "--strip", "--output", file.name, "256", file.name],
                           check=False)
        os.replace(file.name, arguments.out)
        print(f"wrote {arguments.out}")
    shutil.rmtree(work, ignore_errors=True)
    print("browser test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
