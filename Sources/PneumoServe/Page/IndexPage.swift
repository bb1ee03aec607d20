import Hummingbird

/// `GET /`: the page clinicians use. Self-contained (no CDN, no build step); the policy
/// header forbids it to load anything from elsewhere, so X-rays never leave this server.
enum IndexPage {
    static func response() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.contentSecurityPolicy] =
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src blob: data:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Pneumo · chest X-ray screening</title>
    <style>
    :root { --bg: #f3f5f8; --ink: #1b2631; --muted: #5a6b7d; --accent: #1f6feb; --positive: #b42318; --negative: #067647; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--ink); }
    header { padding: 14px 24px; background: #102a43; color: #fff; display: flex; flex-wrap: wrap; gap: 6px 24px; align-items: baseline; justify-content: space-between; }
    header h1 { margin: 0; font-size: 20px; font-weight: 600; }
    #model { font-size: 13px; opacity: .85; }
    main { max-width: 1200px; margin: 0 auto; padding: 20px 24px 40px; }
    #drop { display: block; border: 2px dashed #9fb3c8; border-radius: 10px; padding: 30px; text-align: center; background: #fff; cursor: pointer; font-size: 16px; }
    #drop.over { border-color: var(--accent); background: #eef4ff; }
    .bar { display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: center; justify-content: space-between; margin: 10px 0 0; }
    .note { color: var(--muted); font-size: 13px; margin: 0; }
    #results { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 16px; margin-top: 18px; }
    .card { background: #fff; border-radius: 10px; box-shadow: 0 1px 3px rgba(0, 0, 0, .14); overflow: hidden; }
    .frame { position: relative; background: #000; }
    .frame img { display: block; width: 100%; height: auto; }
    .frame img.heat { position: absolute; inset: 0; height: 100%; opacity: .5; pointer-events: none; }
    .frame.no-heat img.heat { display: none; }
    /* Browsers cannot draw DICOM: its card shows the heatmap alone, on black, with a note. */
    .frame.no-preview { min-height: 3em; }
    .frame.no-preview img.heat { position: static; opacity: 1; }
    .frame.no-preview::after { content: "DICOM: the browser cannot draw the X-ray itself"; position: absolute; left: .6em; bottom: .4em; color: #ddd; font-size: .8em; }
    .info { padding: 10px 14px 12px; }
    .name { font-size: 13px; color: var(--muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
    .verdict { font-size: 19px; font-weight: 700; margin: 2px 0; }
    .verdict.positive { color: var(--positive); }
    .verdict.negative { color: var(--negative); }
    .detail { font-size: 13px; color: var(--muted); }
    .error { color: var(--positive); font-size: 14px; }
    .detail.warning { color: var(--positive); font-weight: 600; }
    .toggle { font-size: 13px; display: inline-flex; gap: 6px; align-items: center; margin-top: 6px; }
    </style>
    </head>
    <body>
    <header><h1>Pneumo · chest X-ray screening</h1><span id="model">Loading model…</span></header>
    <main>
      <label id="drop" for="files">Drop chest X-ray JPEGs or DICOM files here, or click to choose files
        <input id="files" type="file" accept="image/jpeg,.jpg,.jpeg,application/dicom,.dcm" multiple hidden>
      </label>
      <div class="bar">
        <p class="note">Decision support only: a clinician makes the diagnosis. Images are analysed in this server's memory and never stored.</p>
        <label class="toggle"><input type="checkbox" id="all-heatmaps" checked> Show heatmaps</label>
      </div>
      <section id="results" aria-live="polite"></section>
    </main>
    <script>
    "use strict";
    const results = document.getElementById("results");
    const allHeatmaps = document.getElementById("all-heatmaps");

    function element(tag, className, text) {
      const node = document.createElement(tag);
      if (className) node.className = className;
      if (text !== undefined) node.textContent = text;
      return node;
    }
    const percent = p => (100 * p).toFixed(1) + " %";

    // The first class is the finding-free one (normal); every other class is a finding, so a
    // three-class model's bacterial and viral answers are both shown as findings.
    let normalClass = "normal";
    fetch("/api/v1/model").then(r => r.json()).then(m => {
      normalClass = m.classes[0];
      const decision = m.classes.length > 2
        ? `the most probable of ${m.classes.join(", ")}`
        : `threshold ${Number(m.threshold).toFixed(3)} on P(${m.positive_class})`;
      document.getElementById("model").textContent =
        `Model ${m.id} · version ${m.version} · ${decision}`
        + (m.temperature == null ? " · probabilities NOT calibrated" : " · calibrated probabilities");
    }).catch(() => { document.getElementById("model").textContent = "Model information unavailable"; });

    function addCard(file) {
      const card = element("article", "card");
      const frame = element("div", "frame" + (allHeatmaps.checked ? "" : " no-heat"));
      const image = element("img");
      image.alt = "X-ray " + file.name;
      image.addEventListener("error", () => { image.remove(); frame.classList.add("no-preview"); });
      image.src = URL.createObjectURL(file);
      frame.append(image);
      const info = element("div", "info");
      const status = element("div", "detail", "Analysing…");
      info.append(element("div", "name", file.name), status);
      card.append(frame, info);
      results.prepend(card);
      return { frame, info, status };
    }

    function showResult(view, r) {
      const positive = r.class !== normalClass;
      view.status.remove();
      view.info.append(
        element("div", "verdict " + (positive ? "positive" : "negative"), r.class),
        element("div", "detail" + (r.quality_findings ? " warning" : ""), r.reading),
        element("div", "detail", `Model ${r.model.id} ${r.model.version} · ${r.image.width}×${r.image.height} px · ${r.timing_ms.total.toFixed(0)} ms (batch of ${r.batch_size})`));
      if (!r.heatmap) return;
      const heat = element("img", "heat");
      heat.alt = "Heatmap of the regions that drove the prediction";
      heat.src = `data:${r.heatmap.media_type};base64,${r.heatmap.base64}`;
      view.frame.append(heat);
      const toggle = element("label", "toggle");
      const box = element("input");
      box.type = "checkbox";
      box.className = "heat-toggle";
      box.checked = !view.frame.classList.contains("no-heat");
      box.addEventListener("change", () => view.frame.classList.toggle("no-heat", !box.checked));
      toggle.append(box, document.createTextNode("Heatmap"));
      view.info.append(toggle);
    }

    async function classify(file, view) {
      try {
        const response = await fetch("/api/v1/predict?heatmap=1", {
          method: "POST",
          headers: { "Content-Type": file.type || "application/octet-stream" },
          body: file
        });
        const body = await response.json().catch(() => ({}));
        if (!response.ok) throw new Error(body.error ? body.error.message : `The server answered ${response.status}.`);
        showResult(view, body);
      } catch (error) {
        view.status.className = "error";
        view.status.textContent = error.message;
      }
    }

    // Newest uploads on top, in the order chosen; all sent at once since the server batches them.
    function classifyAll(files) {
      const list = Array.from(files);
      const views = list.slice().reverse().map(addCard).reverse();
      return Promise.all(list.map((file, index) => classify(file, views[index])));
    }
    document.getElementById("files").addEventListener("change", event => {
      classifyAll(event.target.files).then(() => { event.target.value = ""; });
    });
    const drop = document.getElementById("drop");
    drop.addEventListener("dragover", event => { event.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", event => {
      event.preventDefault();
      drop.classList.remove("over");
      classifyAll(event.dataTransfer.files);
    });
    allHeatmaps.addEventListener("change", () => {
      document.querySelectorAll(".frame").forEach(frame => frame.classList.toggle("no-heat", !allHeatmaps.checked));
      document.querySelectorAll(".heat-toggle").forEach(box => { box.checked = allHeatmaps.checked; });
    });
    </script>
    </body>
    </html>
    """#
}
