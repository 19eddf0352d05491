"""viz.explore in a real browser: Debian's chromium, driven headless by Playwright for Python.

Needs the `chromium` package (apt-get install chromium) and Playwright (in the `test`
extra). Playwright is pointed at the system chromium and never downloads a browser. Without
either the tests skip and say why, except under CI=true, where that is a failure.

The pages are opened from disk with the network off; any request that is not for a local
file fails the test, and so does any console error.

``EXPLORER_SCREENSHOT=docs/img/explorer.png pytest tests/test_explore_browser.py -k screenshot``
(re)writes the screenshot the docs show.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from test_explore import neuron_on_a_batch

import tinygrad_edu as tg
from tinygrad_edu import graph
from tinygrad_edu.explore import demo_loss
from tinygrad_edu.explore_page import array_lines

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
NUMBER = re.compile(r"-?inf|nan|-?\d+(?:\.\d*)?(?:e[+-]?\d+)?")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; under CI=true the browser tests must run")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One chromium with a fresh profile, offline; yields (context, outside requests seen)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed: pip install -e '.[test]'")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        _unavailable("chromium is not installed: apt-get install chromium")
    outside: list[str] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=executable,
            headless=True, args=FLAGS, offline=True, viewport={"width": 1280, "height": 640})
        context.set_default_timeout(60_000)  # a loaded machine is slow, never wrong
        context.route(lambda url: not url.startswith(("file:", "about:", "data:")),
                      lambda route: (outside.append(route.request.url), route.abort()))
        yield context, outside
        context.close()


def open_page(browser, path: Path):
    """Open a page; returns it and a list that collects console errors and dialogs."""
    context, outside = browser
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: (problems.append("dialog: " + d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_selector("html[data-step='0']")
    problems.extend(outside)
    return page, problems


def numbers(text: str) -> np.ndarray:
    return np.array([float(v) for v in NUMBER.findall(text)])


def assert_printed(text: str, expected) -> None:
    """``text`` prints ``expected`` as trace_backward's table does, to its 4 digits."""
    assert text == "\n".join(array_lines(np.asarray(expected)))
    # Independently of that formatter: 4 significant digits put each printed value within
    # half a unit of its 4th digit, i.e. within 5e-4 of the true value, relatively.
    np.testing.assert_allclose(numbers(text), np.ravel(expected), rtol=5e-4, atol=0)


def step(page, key: str = "ArrowRight") -> str:
    before = page.get_attribute("html", "data-step")
    page.keyboard.press(key)
    # (a selector, not wait_for_function: the page's security policy forbids evaluating strings)
    page.wait_for_selector(f"html:not([data-step='{before}'])")
    return page.text_content("#step .kind")


@pytest.mark.parametrize("layout", ["auto", "layered"])  # auto: Graphviz's where installed
def test_the_neuron_page_shows_trace_backwards_steps_and_numbers(browser, tmp_path, layout):
    loss, w, b = neuron_on_a_batch()
    path = tg.viz.explore(loss, tmp_path / "neuron.html", layout=layout)
    assert w.grad is None
    trace = tg.trace_backward(loss)  # the same graph, and now w.grad and b.grad are set
    page, problems = open_page(browser, path)
    last = int(page.get_attribute("#slider", "max"))
    assert last == 1 + 4 + len(trace)
    forward = [step(page) for _ in range(4)]
    assert forward == [f"forward {k} of 4" for k in range(1, 5)]
    for k, s in enumerate(trace, 1):
        assert step(page) == f"backward {k} of {len(trace)}"
        assert page.text_content("#step .step-op") == s.op
        assert page.text_content("#step .step-rule") == s.rule
        assert_printed(page.text_content("#step pre.grad-out"), s.grad_out)
        inputs = page.query_selector_all("#step .input")
        assert len(inputs) == len(s.grads_in)
        for div, g, axes in zip(inputs, s.grads_in, s.summed_axes, strict=True):
            if g is None:
                assert "no gradient needed" in div.text_content()
                continue
            assert_printed(div.query_selector("pre.grad-in").text_content(), g)
            summed = div.query_selector(".summed")
            assert (summed is not None) == bool(axes)
            if axes:
                assert summed.text_content().startswith(f"summed over axis {axes[0]}")
    assert step(page) == "done"
    finals = {row.query_selector(".final-label").text_content():
              row.query_selector("pre.final-grad").text_content()
              for row in page.query_selector_all("#step tr.final")}
    assert set(finals) == {"w (2,)", "b ()"}
    assert_printed(finals["w (2,)"], w.grad)
    assert_printed(finals["b ()"], b.grad)
    assert problems == []


def test_keys_buttons_slider_and_a_click_on_a_box(browser, tmp_path):
    loss = demo_loss()
    w = next(t for t in graph.iter_graph(loss) if t.name == "w")
    page, problems = open_page(browser, tg.viz.explore(loss, tmp_path / "demo.html"))
    last = page.get_attribute("#slider", "max")
    step(page)
    step(page)
    assert step(page, "ArrowLeft") == "forward 1 of 4"
    assert step(page, "End") == "done" and page.get_attribute("html", "data-step") == last
    assert step(page, "Home") == "start"
    page.click("#next")
    page.click("#next")
    page.click("#prev")
    assert page.get_attribute("html", "data-step") == "1"
    page.fill("#slider", "7")
    assert page.text_content("#counter").startswith("step 7 / ")
    # space plays (the focused "prev" button is not pressed again) and pauses
    page.focus("#prev")
    page.keyboard.press(" ")
    assert "pause" in page.text_content("#play")
    page.wait_for_selector("html[data-step='8']")
    page.keyboard.press(" ")
    assert "play" in page.text_content("#play")
    stopped = page.get_attribute("html", "data-step")
    assert int(stopped) >= 8
    # click w's box: its full value, and its gradient once the step has one
    page.click("#reset")
    page.click("g.box.role-param >> text=w")
    assert page.text_content("#detail .detail-label") == "w"
    # every value with 6 significant digits: within 5e-6 of the true one, relatively
    np.testing.assert_allclose(numbers(page.text_content("#detail pre.detail-value")),
                               w.data, rtol=5e-6)
    assert page.query_selector("#detail pre.detail-grad") is None  # not known at the start
    page.fill("#slider", last)
    tg.trace_backward(loss)
    np.testing.assert_allclose(numbers(page.text_content("#detail pre.detail-grad")),
                               w.grad, rtol=5e-6)
    assert problems == []


def test_a_name_like_a_script_tag_is_shown_as_text(browser, tmp_path):
    evil = "<script>alert(1)</script>"
    x = tg.Tensor([1.0, 2.0], requires_grad=True, name=evil)
    y = tg.Tensor(3.0, requires_grad=True, name="<img src=x onerror=alert(2)>")
    page, problems = open_page(browser, tg.viz.explore((x * y).sum(), tmp_path / "evil.html"))
    titles = [t.text_content() for t in page.query_selector_all("g.box text.title")]
    assert evil in titles and "<img src=x onerror=alert(2)>" in titles
    assert page.evaluate("document.querySelectorAll('script').length") == 2
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    step(page, "End")
    assert problems == []  # no dialog opened, nothing failed


def test_the_notebook_view_works_inside_its_iframe(browser, tmp_path):
    host = tmp_path / "notebook.html"
    shown = tg.viz.explore(demo_loss())._repr_html_()
    host.write_text(f"<!DOCTYPE html><html><body><p>a cell</p>{shown}</body></html>",
                    encoding="utf-8")
    context, outside = browser
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(host.as_uri())
    frame = page.frame_locator("iframe")
    frame.locator("#next").click()
    assert frame.locator("#step .kind").text_content() == "forward 1 of 4"
    assert frame.locator("#title").text_content() == "Backprop explorer: binary_cross_entropy"
    assert problems == [] and outside == []


def test_after_a_freeing_backward_the_page_says_so_and_shows_the_grad(browser, tmp_path):
    loss, w, _ = neuron_on_a_batch()
    loss.backward()
    page, problems = open_page(browser, tg.viz.explore(loss, tmp_path / "freed.html"))
    assert "retain_graph=True" in page.text_content("#notes")
    assert step(page, "End") == "done"
    rows = {r.query_selector(".final-label").text_content(): r for r in
            page.query_selector_all("#step tr.final")}
    assert_printed(rows["w (2,)"].query_selector("pre.final-grad").text_content(), w.grad)
    assert problems == []


def wide_graph(layers: int = 60):
    """About 300 tensors: each layer h = tanh(h * w_k + 0.1) adds a parameter, a constant
    and three ops (a chain of two-input ops, so nothing collapses)."""
    rng = np.random.default_rng(0)
    h = tg.Tensor(rng.normal(size=4), name="x")
    for k in range(layers):
        w = tg.Tensor(rng.normal(size=4), requires_grad=True, name=f"w{k}")
        h = (h * w + 0.1).tanh()
    return h.sum()


TIMING_SCRIPT = """() => {
  const next = document.getElementById("next");
  const last = Number(document.getElementById("slider").max);
  const times = [];
  for (let k = 0; k < last; k++) {
    const t0 = performance.now();
    next.click();
    document.body.getBoundingClientRect();  // style and layout, as a frame would need
    times.push(performance.now() - t0);
  }
  const jump0 = performance.now();
  document.getElementById("reset").click();
  document.body.getBoundingClientRect();
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  return {times: times, reset: performance.now() - jump0,
          firstPaint: paint ? paint.startTime : null,
          ready: Number(document.documentElement.dataset.readyMs)};
}"""


def test_300_tensors_open_and_step(browser, tmp_path, record_property):
    loss = wide_graph()
    started = time.perf_counter()
    path = tg.viz.explore(loss, tmp_path / "wide.html")
    build = time.perf_counter() - started
    page, problems = open_page(browser, path)
    n_boxes = page.evaluate("document.querySelectorAll('g.box').length")
    assert n_boxes == 302 and page.text_content("#notes") == ""
    t = page.evaluate(TIMING_SCRIPT)
    per_step = np.array(t["times"])
    # 181 ops forward, 181 backward steps, "done": 363 moves from the start
    assert len(per_step) == 2 * (60 * 3 + 1) + 1 and problems == []
    # Timings are reported, never asserted (a loaded machine says nothing about the code).
    figures = {"tensors": 302, "steps": len(per_step), "python_build_s": round(build, 3),
               "page_bytes": path.stat().st_size, "first_paint_ms": t["firstPaint"],
               "script_done_ms": t["ready"], "step_median_ms": float(np.median(per_step)),
               "step_max_ms": float(per_step.max()), "reset_to_start_ms": t["reset"]}
    for key, value in figures.items():
        record_property(key, value)
    print("explorer, 300 tensors:", figures)


def test_a_big_graph_is_collapsed_and_says_so(browser, tmp_path):
    x = tg.Tensor([0.5, -0.5], requires_grad=True, name="x")
    h = x
    for _ in range(450):
        h = h.tanh()
    page, problems = open_page(browser, tg.viz.explore(h.sum(), tmp_path / "chain.html"))
    assert "collapsed" in page.text_content("#notes")
    page.click("g.box.chain")
    assert "445 tensors collapsed" in page.text_content("#detail h2")
    page.click("#detail li:nth-child(10) button")
    assert page.text_content("#detail .detail-label") == "tanh#13"
    page.fill("#slider", "300")  # a step inside the collapsed part lights the ⋯ box
    assert page.evaluate("document.querySelector('g.box.chain').classList.contains('active')")
    assert problems == []


def test_screenshot_mid_backward(browser, tmp_path):
    page, problems = open_page(browser, tg.viz.explore(demo_loss(), tmp_path / "demo.html"))
    page.fill("#slider", "7")  # backward 3 of 4: add, whose bias gradient sums over the batch
    assert page.text_content("#step .step-op") == "add"
    page.set_viewport_size({"width": 1560, "height": 520})  # wide enough for scale 1
    page.click("#zoom-fit")
    page.evaluate("document.activeElement.blur()")  # no focus ring in the picture
    shot = tmp_path / "explorer.png"
    page.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("EXPLORER_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["EXPLORER_SCREENSHOT"])
    assert problems == []
