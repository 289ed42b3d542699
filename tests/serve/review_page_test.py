#!/usr/bin/env python3
"""The review page (GET /) in a real browser: headless Chromium driven by Selenium.

Starts `mlxocr serve` on a free port with the fixture model and form template, opens the page,
uploads the form scan, and checks that every field's box is drawn where the server's JSON puts
it (scaled to the shown picture), that doubtful fields are marked, and that a correction made by
clicking a box and typing reaches the exported CSV and JSON. Exit 0 on success.

    tests/serve/review_page_test.py --mlxocr build/mlxocr
"""
import argparse
import csv
import io
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
MODEL = os.path.join(FIXTURES, "models", "deit-trocr")
TEMPLATE = os.path.join(FIXTURES, "forms", "00_template.png")
SCAN = os.path.join(FIXTURES, "forms", "sample_scan.png")


def start_server(mlxocr):
    proc = subprocess.Popen(
        [mlxocr, "serve", "--port", "0", "-m", MODEL, "--max-new-tokens", "6",
         "--template", "form=" + TEMPLATE],
        stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    port = int(line.split("127.0.0.1:")[1].split()[0])
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health") as res:
                if res.status == 200:
                    return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("mlxocr serve did not become ready")


def server_json(port):
    """The server's own answer for the scan, read without the page (multipart by hand)."""
    boundary = uuid.uuid4().hex
    with open(SCAN, "rb") as f:
        scan = f.read()
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"template\"\r\n\r\nform\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"sample_scan.png\"\r\nContent-Type: image/png\r\n\r\n").encode()
    body += scan + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/ocr", data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(req) as res:
        return json.load(res)


def browser(chromium, chromedriver):
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1400,1000"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(chromedriver), options=options)


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def run(driver, port):
    expected = server_json(port)
    fields = expected["fields"]
    check(len(fields) > 3, f"the scan should have several fields: {expected}")
    driver.get(f"http://127.0.0.1:{port}/")
    check(driver.title == "mlxocr review", f"title {driver.title!r}")
    wait = WebDriverWait(driver, 30)
    wait.until(lambda d: len(Select(d.find_element(By.ID, "template")).options) > 1)
    Select(driver.find_element(By.ID, "template")).select_by_value("form")
    driver.find_element(By.ID, "file").send_keys(SCAN)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".field-box")) == len(fields))

    img = driver.find_element(By.ID, "page")
    shown = img.rect
    natural = driver.execute_script("return arguments[0].naturalWidth", img)
    check(natural == expected["width"], f"picture width {natural} != {expected['width']}")
    scale = shown["width"] / natural
    for f in fields:
        box = driver.find_element(By.CSS_SELECTOR, f".field-box[data-index='{f['index']}']")
        r = box.rect
        want = {k: f["box"][k] * scale for k in "xywh"}
        got = {"x": r["x"] - shown["x"], "y": r["y"] - shown["y"], "w": r["width"],
               "h": r["height"]}
        for k in "xywh":
            check(abs(got[k] - want[k]) <= 1.5,
                  f"field {f['index']} box {k}: drawn at {got[k]:.1f}, expected {want[k]:.1f}")
        doubtful = "doubtful" in box.get_attribute("class")
        check(doubtful == (f["confidence"] < 0.5), f"field {f['index']} doubtful mark")

    # Click the second field's box, type the correction, export.
    driver.find_element(By.CSS_SELECTOR, ".field-box[data-index='2']").click()
    text = driver.switch_to.active_element
    check(text.get_attribute("id") == "text-0-2", "clicking a box focuses its text")
    text.clear()
    text.send_keys("Corrected, by hand")
    driver.find_element(By.ID, "export-csv").click()
    exported = driver.find_element(By.ID, "export-output").get_attribute("value")
    rows = list(csv.DictReader(io.StringIO(exported)))
    check(len(rows) == len(fields), f"{len(rows)} CSV rows for {len(fields)} fields")
    for row, f in zip(rows, fields):
        corrected = f["index"] == 2
        check(row["text"] == ("Corrected, by hand" if corrected else f["text"]),
              f"CSV row {row}")
        check(row["read"] == f["text"] and row["corrected"] == str(corrected).lower(),
              f"CSV row {row}")
        check(int(row["x"]) == f["box"]["x"] and row["file"] == "sample_scan.png", f"{row}")
    driver.find_element(By.ID, "export-json").click()
    exported = json.loads(driver.find_element(By.ID, "export-output").get_attribute("value"))
    second = exported[0]["fields"][1]
    check(second["text"] == "Corrected, by hand" and second["corrected"], f"JSON {second}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mlxocr", required=True)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    args = parser.parse_args()
    proc, port = start_server(args.mlxocr)
    driver = None
    try:
        driver = browser(args.chromium, args.chromedriver)
        run(driver, port)
    finally:
        if driver:
            driver.quit()
        proc.terminate()
        code = proc.wait(timeout=30)
    check(code == 0, f"mlxocr serve exited {code} after SIGTERM")
    print("review page: boxes, doubtful marks and the exported correction are right")


if __name__ == "__main__":
    main()
