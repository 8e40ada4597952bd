// The shift-slider figures (book_ext/shift_slider.py). The range input picks the shift; the code
// tabs (sphinx-design's sync group "framework") pick whose run is shown. Without this script the
// page keeps both frameworks' unshifted maps, which is also the fallback for readers without JS.
(function () {
  "use strict";
  const GROUP = "framework";

  function shiftText(shift) {
    if (shift === 0) return "no shift";
    const size = Math.abs(shift);
    return `${size} pixel${size === 1 ? "" : "s"} ${shift > 0 ? "right" : "left"}`;
  }

  // The framework of the checked tab of the first framework tab-set, else the stored choice.
  function chosenFramework(frameworks) {
    const label = document.querySelector(
      `.sd-tab-set > input:checked + label.sd-tab-label[data-sync-group="${GROUP}"]`);
    let id = label ? label.dataset.syncId : null;
    if (!id) {
      try { id = window.localStorage.getItem(`sphinx-design-tab-id-${GROUP}`); } catch (e) { id = null; }
    }
    return frameworks.includes(id) ? id : frameworks[0];
  }

  function setUp(figure) {
    const data = JSON.parse(figure.querySelector("script.shift-slider-data").textContent);
    const controls = figure.querySelector(".shift-slider-controls");
    const range = controls.querySelector("input[type=range]");
    const output = controls.querySelector("output");
    const frameworks = Object.keys(data.frameworks);

    function show() {
      const shift = Number(range.value);
      const k = data.shifts.indexOf(shift);
      const framework = chosenFramework(frameworks);
      const run = data.frameworks[framework];
      figure.dataset.framework = framework;
      figure.dataset.shift = String(shift);
      for (const table of figure.querySelectorAll("table.shift-slider-maps")) {
        const mine = table.dataset.framework === framework;
        table.hidden = !mine;
        table.querySelector("caption").textContent = `${data.frameworks[table.dataset.framework].label} run`;
        if (!mine) continue;
        for (const img of table.querySelectorAll("img[data-layer]")) {
          const i = Number(img.dataset.image);
          const layer = img.dataset.layer;
          const channel = layer === "input" ? "" : `, channel ${run.channels[data.layers.indexOf(layer)][i]}`;
          img.src = `${data.folder}/${framework}-s${shift}-${i}-${layer}.png`;
          img.alt = `${data.images[i]}, ${layer}${channel}, ${shiftText(shift)}`;
        }
      }
      const text = shiftText(shift);
      range.setAttribute("aria-valuetext", text);
      output.textContent = `${text[0].toUpperCase()}${text.slice(1)}: test accuracy ${run.accuracy[k]} (${run.label})`;
    }

    range.addEventListener("input", show);
    // sphinx-design fires "change" on the tab the reader chose, then checks its synced twins
    document.addEventListener("change", (event) => {
      const input = event.target;
      const label = input instanceof HTMLInputElement ? input.nextElementSibling : null;
      if (label && label.dataset.syncGroup === GROUP) show();
    });
    window.addEventListener("hashchange", show);
    // sphinx-design restores the remembered tab on DOMContentLoaded, which may come after this script
    document.addEventListener("DOMContentLoaded", show);
    window.addEventListener("load", show);
    controls.hidden = false;
    show();
  }

  function start() {
    document.querySelectorAll(".shift-slider").forEach(setUp);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
